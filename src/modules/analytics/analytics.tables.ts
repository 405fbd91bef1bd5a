import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Events per store, UTC day and type, kept by a bus handler (the base of the sales rollups). */
export const dailyEventCounts = sqliteTable(
  "daily_event_counts",
  {
    storeId: text("store_id").notNull(),
    day: text("day").notNull(),
    type: text("type").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.day, t.type] })],
);

/**
 * Adds to cart per store, UTC day and product, kept by a bus handler from `cart.item_added` (the
 * flask seed's Kafka + Spark + Redis pipeline, as one upsert per event, applied once per event).
 */
export const cartItemAdds = sqliteTable(
  "cart_item_adds",
  {
    storeId: text("store_id").notNull(),
    day: text("day").notNull(),
    productId: text("product_id").notNull(),
    adds: integer("adds").notNull(),
    quantity: integer("quantity").notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.day, t.productId] }), index("cart_item_adds_rank_idx").on(t.storeId, t.day, t.adds, t.productId)],
);
