-- Full-text index over live products (drizzle cannot express virtual tables or triggers).
-- External content: the index stores no copy of the text, it reads `products` by rowid (`seq`).
-- Only live rows are indexed: every 'delete' below is guarded by the same condition as the insert,
-- because an external-content 'delete' must repeat exactly the values that were indexed.
-- `store_id` is indexed so a search can intersect with its store's posting list; user terms are
-- confined to the other columns by a column filter, and bm25 gives store_id weight 0.
CREATE VIRTUAL TABLE `products_fts` USING fts5(
	title, description, vendor, product_type, tags, sku, store_id,
	content='products', content_rowid='seq',
	tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_insert` AFTER INSERT ON `products` WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO products_fts (rowid, title, description, vendor, product_type, tags, sku, store_id)
	VALUES (new.seq, new.title, new.description, new.vendor, new.product_type, new.tags, new.sku, new.store_id);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_delete` AFTER DELETE ON `products` WHEN old.deleted_at IS NULL BEGIN
	INSERT INTO products_fts (products_fts, rowid, title, description, vendor, product_type, tags, sku, store_id)
	VALUES ('delete', old.seq, old.title, old.description, old.vendor, old.product_type, old.tags, old.sku, old.store_id);
END;
--> statement-breakpoint
-- Inventory and price updates do not touch the index: the trigger fires only for searchable columns.
CREATE TRIGGER `products_fts_after_update`
AFTER UPDATE OF title, description, vendor, product_type, tags, sku, store_id, deleted_at ON `products` BEGIN
	INSERT INTO products_fts (products_fts, rowid, title, description, vendor, product_type, tags, sku, store_id)
	SELECT 'delete', old.seq, old.title, old.description, old.vendor, old.product_type, old.tags, old.sku, old.store_id
	WHERE old.deleted_at IS NULL;
	INSERT INTO products_fts (rowid, title, description, vendor, product_type, tags, sku, store_id)
	SELECT new.seq, new.title, new.description, new.vendor, new.product_type, new.tags, new.sku, new.store_id
	WHERE new.deleted_at IS NULL;
END;
