import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Products. `seq` is an INTEGER PRIMARY KEY (a stable rowid alias) only because the external-content
 * FTS5 index `products_fts` addresses rows by integer rowid; the public key is `id`. `tags` is a
 * JSON array kept equal to the product's `product_tags` rows by the service (same batch), so reads
 * need no join and the FTS index can cover tags.
 */
export const products = sqliteTable(
  "products",
  {
    seq: integer("seq").primaryKey(),
    id: text("id").notNull(),
    storeId: text("store_id").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    vendor: text("vendor"),
    productType: text("product_type"),
    sku: text("sku"),
    priceCents: integer("price_cents").notNull(),
    currency: text("currency").notNull(),
    inventory: integer("inventory").notNull().default(0),
    tags: text("tags").notNull().default("[]"),
    metadata: text("metadata").notNull().default("{}"),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    uniqueIndex("products_id_unique").on(t.id),
    // A deleted product's sku may be reused.
    uniqueIndex("products_store_sku_unique").on(t.storeId, t.sku).where(sql`deleted_at IS NULL AND sku IS NOT NULL`),
    index("products_store_created_idx").on(t.storeId, t.createdAt, t.id).where(sql`deleted_at IS NULL`),
    index("products_store_vendor_idx").on(t.storeId, t.vendor).where(sql`deleted_at IS NULL`),
    index("products_store_type_idx").on(t.storeId, t.productType).where(sql`deleted_at IS NULL`),
    index("products_store_updated_idx").on(t.storeId, t.updatedAt).where(sql`deleted_at IS NULL`),
    check("products_inventory_non_negative", sql`inventory >= 0`),
    check("products_price_non_negative", sql`price_cents >= 0`),
  ],
);

/** One row per (product, tag): the index behind `?tag=`. Tags are lowercase. */
export const productTags = sqliteTable(
  "product_tags",
  {
    storeId: text("store_id").notNull(),
    productId: text("product_id").notNull(),
    tag: text("tag").notNull(),
  },
  (t) => [primaryKey({ columns: [t.productId, t.tag] }), index("product_tags_store_tag_idx").on(t.storeId, t.tag, t.productId)],
);

/** Every inventory change: what kind, why, and the stock right after it (`quantity_after`). */
export const inventoryLedger = sqliteTable(
  "inventory_ledger",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    productId: text("product_id").notNull(),
    delta: integer("delta").notNull(),
    quantityAfter: integer("quantity_after").notNull(),
    kind: text("kind", { enum: ["initial", "adjust", "set"] }).notNull(),
    /** Free text from the client (`"stocktake"`, `"damaged"`), or null. */
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("inventory_ledger_product_created_idx").on(t.storeId, t.productId, t.createdAt, t.id)],
);

export type ProductRow = typeof products.$inferSelect;
export type NewProductRow = typeof products.$inferInsert;
export type InventoryLedgerRow = typeof inventoryLedger.$inferSelect;
