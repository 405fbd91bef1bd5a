import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { CANCELLATION_REASONS, ORDER_STATUSES } from "./orders.schemas";

// The OrderStream object's own SQLite tables (not D1), declared once. Property names are the API's
// field names, so a row is an Order without its lines. Migrations: after a change here run
// `npx drizzle-kit generate --config drizzle.orders-object.config.ts` and then
// `node src/modules/orders/object-migrations/sync.mjs`; the object applies them on start
// (stream_meta.schema_version counts them).

export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: ORDER_STATUSES }).notNull(),
    customer_id: text("customer_id"),
    currency: text("currency").notNull(),
    subtotal_cents: integer("subtotal_cents").notNull(),
    total_cents: integer("total_cents").notNull(),
    notes: text("notes"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    cancellation_reason: text("cancellation_reason", { enum: CANCELLATION_REASONS }),
    version: integer("version").notNull(),
    created_at: text("created_at").notNull(),
    updated_at: text("updated_at").notNull(),
    confirmed_at: text("confirmed_at"),
    closed_at: text("closed_at"),
    shipped_at: text("shipped_at"),
    delivered_at: text("delivered_at"),
    canceled_at: text("canceled_at"),
  },
  (t) => [
    index("orders_created").on(t.created_at, t.id),
    index("orders_status_created").on(t.status, t.created_at, t.id),
    index("orders_customer_created").on(t.customer_id, t.created_at, t.id),
    index("orders_shipped").on(t.shipped_at).where(sql`shipped_at IS NOT NULL`),
    index("orders_delivered").on(t.delivered_at).where(sql`delivered_at IS NOT NULL`),
    index("orders_canceled").on(t.canceled_at).where(sql`canceled_at IS NOT NULL`),
  ],
);

export const orderLines = sqliteTable(
  "order_lines",
  {
    order_id: text("order_id").notNull(),
    position: integer("position").notNull(),
    id: text("id").notNull(),
    product_id: text("product_id"),
    title: text("title"),
    custom: integer("custom", { mode: "boolean" }).notNull().default(false),
    quantity: integer("quantity").notNull(),
    unit_price_cents: integer("unit_price_cents").notNull(),
    total_cents: integer("total_cents").notNull(),
  },
  (t) => [primaryKey({ columns: [t.order_id, t.position] })],
);

export const idempotencyRecords = sqliteTable(
  "idempotency_records",
  {
    method: text("method").notNull(),
    route: text("route").notNull(),
    idempotency_key: text("idempotency_key").notNull(),
    request_hash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    body: text("body").notNull(),
    created_at: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.method, t.route, t.idempotency_key] }), index("idempotency_records_created").on(t.created_at)],
);

export const outbox = sqliteTable(
  "outbox",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    type: text("type").notNull(),
    order_id: text("order_id").notNull(),
    order_version: integer("order_version").notNull(),
    payload: text("payload").notNull(),
    created_at: integer("created_at").notNull(),
    delivered_at: integer("delivered_at"),
  },
  (t) => [
    index("outbox_undelivered").on(t.seq).where(sql`delivered_at IS NULL`),
    index("outbox_delivered").on(t.delivered_at).where(sql`delivered_at IS NOT NULL`),
  ],
);
