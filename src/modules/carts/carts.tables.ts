import { sql } from "drizzle-orm";
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * What D1 knows of carts: only what must be queried across them (a customer's open cart, states for
 * listing and expiry). The cart itself (lines, discounts, selections, version) lives in its
 * `CartObject`; this row follows it after each lifecycle change.
 */
export const carts = sqliteTable(
  "carts",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id"),
    state: text("state", { enum: ["open", "merged", "replaced", "expired", "completed"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("carts_one_open_per_customer").on(t.storeId, t.customerId).where(sql`state = 'open' AND customer_id IS NOT NULL`),
    index("carts_store_created_idx").on(t.storeId, t.createdAt, t.id),
    index("carts_open_expiry_idx").on(t.expiresAt).where(sql`state = 'open'`),
  ],
);

export type CartIndexRow = typeof carts.$inferSelect;
