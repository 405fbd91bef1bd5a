import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A store's loyalty program, one row per version: a change adds a version valid from then on, so an
 * order earns by the version in force when it was paid, and stamps already earned never change.
 */
export const loyaltyPrograms = sqliteTable(
  "loyalty_programs",
  {
    storeId: text("store_id").notNull(),
    version: integer("version").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /** JSON arrays: products earn when their id or one of their tags is listed. */
    earnProductIds: text("earn_product_ids").notNull(),
    earnTags: text("earn_tags").notNull(),
    stampsPerUnit: integer("stamps_per_unit").notNull(),
    stampsPerVoucher: integer("stamps_per_voucher").notNull(),
    voucherAmountOffCents: integer("voucher_amount_off_cents"),
    voucherPercentOff: integer("voucher_percent_off"),
    voucherCurrency: text("voucher_currency"),
    voucherExpiryDays: integer("voucher_expiry_days"),
    earnOn: text("earn_on", { enum: ["order_paid", "order_delivered"] }).notNull(),
    validFrom: text("valid_from").notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.version] }), index("loyalty_programs_valid_idx").on(t.storeId, t.validFrom)],
);

/** A customer's unspent stamps (may go below zero after a reversal; the next earnings repay it). */
export const loyaltyAccounts = sqliteTable(
  "loyalty_accounts",
  {
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    stamps: integer("stamps").notNull().default(0),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.customerId] })],
);

/**
 * Every change of a customer's stamps: `earned` (an order), `converted` (a block became vouchers),
 * `granted` (by the shop), `reversed` (a canceled order). One `earned` and one `reversed` per order
 * (unique), which is what makes earning exactly once per order.
 */
export const stampLedger = sqliteTable(
  "stamp_ledger",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    kind: text("kind", { enum: ["earned", "converted", "granted", "reversed"] }).notNull(),
    /** Signed. */
    stamps: integer("stamps").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    orderId: text("order_id"),
    vouchers: integer("vouchers").notNull().default(0),
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("stamp_ledger_customer_idx").on(t.storeId, t.customerId, t.createdAt, t.id),
    uniqueIndex("stamp_ledger_order_kind_unique").on(t.storeId, t.orderId, t.kind).where(sql`order_id IS NOT NULL`),
  ],
);

/** A voucher: converted from stamps or granted; redeemed once (guarded), in a checkout or by hand. */
export const vouchers = sqliteTable(
  "vouchers",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    code: text("code").notNull(),
    source: text("source", { enum: ["converted", "granted"] }).notNull(),
    amountOffCents: integer("amount_off_cents"),
    percentOff: integer("percent_off"),
    currency: text("currency"),
    expiresAt: text("expires_at"),
    redeemedAt: text("redeemed_at"),
    redeemedReference: text("redeemed_reference"),
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("vouchers_store_code_unique").on(t.storeId, t.code), index("vouchers_customer_idx").on(t.storeId, t.customerId, t.createdAt, t.id)],
);

export type LoyaltyProgramRow = typeof loyaltyPrograms.$inferSelect;
export type StampLedgerRow = typeof stampLedger.$inferSelect;
export type VoucherRow = typeof vouchers.$inferSelect;
