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

/**
 * Sales per store, UTC day and currency, kept by a bus handler from `invoice.collected` (orders,
 * revenue = the invoices' totals, discounts, gift card and credit used) and `refund.created`; new
 * customers (from `customer.created`) are kept under currency "". Each event is applied once.
 */
export const salesDaily = sqliteTable(
  "sales_daily",
  {
    storeId: text("store_id").notNull(),
    day: text("day").notNull(),
    currency: text("currency").notNull(),
    orders: integer("orders").notNull().default(0),
    revenueCents: integer("revenue_cents").notNull().default(0),
    discountCents: integer("discount_cents").notNull().default(0),
    refundsCents: integer("refunds_cents").notNull().default(0),
    refunds: integer("refunds").notNull().default(0),
    giftCardCents: integer("gift_card_cents").notNull().default(0),
    creditCents: integer("credit_cents").notNull().default(0),
    newCustomers: integer("new_customers").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.day, t.currency] })],
);
