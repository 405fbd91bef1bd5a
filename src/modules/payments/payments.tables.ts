import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The `test_card` provider's own records: what a real provider keeps on its side. Checkout and
 * refunds reach them only through the `PaymentProvider` interface, as they would reach Stripe.
 * A charge is unique per (store, idempotency key): the same key answers the same charge.
 */
export const paymentCharges = sqliteTable(
  "payment_charges",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    token: text("token").notNull(),
    brand: text("brand").notNull(),
    last4: text("last4").notNull(),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: ["succeeded", "pending", "declined", "failed"] }).notNull(),
    message: text("message"),
    refundedCents: integer("refunded_cents").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("payment_charges_store_key_unique").on(t.storeId, t.idempotencyKey),
    index("payment_charges_store_created_idx").on(t.storeId, t.createdAt, t.id),
    check("payment_charges_refund_range", sql`${t.refundedCents} >= 0 AND ${t.refundedCents} <= ${t.amountCents}`),
  ],
);

/** Refunds of charges, unique per (store, idempotency key). */
export const paymentRefunds = sqliteTable(
  "payment_refunds",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    chargeId: text("charge_id").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    amountCents: integer("amount_cents").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("payment_refunds_store_key_unique").on(t.storeId, t.idempotencyKey), index("payment_refunds_charge_idx").on(t.chargeId)],
);

export type PaymentChargeRow = typeof paymentCharges.$inferSelect;
