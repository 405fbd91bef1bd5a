-- Full-text index over products (drizzle cannot express virtual tables or triggers).
-- External content: the index stores no copy of the text; it reads `products` by rowid (`seq`).
-- Every row is indexed, deleted ones too (searches filter `deleted_at` in the join), so the index
-- always equals its content table and FTS5's 'integrity-check' and 'rebuild' commands work.
-- `store_id` is indexed so a search can intersect with its store's posting list; user terms are
-- confined to the other columns by a column filter, and bm25 gives store_id weight 0.
CREATE VIRTUAL TABLE `products_fts` USING fts5(
	title, description, vendor, product_type, tags, sku, store_id,
	content='products', content_rowid='seq',
	tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_insert` AFTER INSERT ON `products` BEGIN
	INSERT INTO products_fts (rowid, title, description, vendor, product_type, tags, sku, store_id)
	VALUES (new.seq, new.title, new.description, new.vendor, new.product_type, new.tags, new.sku, new.store_id);
END;
--> statement-breakpoint
-- An external-content 'delete' must repeat exactly the values that were indexed: the old row.
CREATE TRIGGER `products_fts_after_delete` AFTER DELETE ON `products` BEGIN
	INSERT INTO products_fts (products_fts, rowid, title, description, vendor, product_type, tags, sku, store_id)
	VALUES ('delete', old.seq, old.title, old.description, old.vendor, old.product_type, old.tags, old.sku, old.store_id);
END;
--> statement-breakpoint
-- Fires only when a searchable column is written, so stock, price and soft-delete updates skip it.
CREATE TRIGGER `products_fts_after_update`
AFTER UPDATE OF title, description, vendor, product_type, tags, sku, store_id ON `products` BEGIN
	INSERT INTO products_fts (products_fts, rowid, title, description, vendor, product_type, tags, sku, store_id)
	VALUES ('delete', old.seq, old.title, old.description, old.vendor, old.product_type, old.tags, old.sku, old.store_id);
	INSERT INTO products_fts (rowid, title, description, vendor, product_type, tags, sku, store_id)
	VALUES (new.seq, new.title, new.description, new.vendor, new.product_type, new.tags, new.sku, new.store_id);
END;
