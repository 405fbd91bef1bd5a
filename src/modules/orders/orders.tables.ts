import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Read model of every store's orders, projected from `order.*` events for relational queries and
 * reporting. Eventually consistent; the store's OrderStream object is the source of truth. A row only
 * ever moves to a higher `version`, so replayed or reordered events change nothing.
 */
export const orderProjections = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    status: text("status").notNull(),
    customerId: text("customer_id"),
    currency: text("currency").notNull(),
    subtotalCents: integer("subtotal_cents").notNull(),
    totalCents: integer("total_cents").notNull(),
    lineCount: integer("line_count").notNull(),
    /** The order's lines as JSON (`[{ id, product_id, title, quantity, unit_price_cents, total_cents }]`). */
    lines: text("lines").notNull(),
    notes: text("notes"),
    metadata: text("metadata").notNull(),
    cancellationReason: text("cancellation_reason"),
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    confirmedAt: text("confirmed_at"),
    closedAt: text("closed_at"),
    shippedAt: text("shipped_at"),
    deliveredAt: text("delivered_at"),
    canceledAt: text("canceled_at"),
    /** The event that produced this version. */
    lastEventId: text("last_event_id").notNull(),
    projectedAt: text("projected_at").notNull(),
  },
  (t) => [
    index("orders_store_created_idx").on(t.storeId, t.createdAt, t.id),
    index("orders_store_status_created_idx").on(t.storeId, t.status, t.createdAt),
    index("orders_store_customer_idx").on(t.storeId, t.customerId),
  ],
);

/** `order-events` messages that exhausted their retries (from `order-events-dlq`), kept for inspection and replay. */
export const orderDeadEvents = sqliteTable(
  "order_dead_events",
  {
    messageId: text("message_id").primaryKey(),
    eventId: text("event_id"),
    eventType: text("event_type"),
    storeId: text("store_id"),
    orderId: text("order_id"),
    orderVersion: integer("order_version"),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    deadAt: text("dead_at").notNull(),
  },
  (t) => [index("order_dead_events_dead_at_idx").on(t.deadAt)],
);

export type OrderProjectionRow = typeof orderProjections.$inferSelect;
