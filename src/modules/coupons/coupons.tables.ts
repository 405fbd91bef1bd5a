import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Coupon codes. `code` is stored normalized (trimmed, uppercase): shops choose and print them, so they
 * are not secrets; guessing is stopped by the exact rate limit on validation. `times_redeemed` moves
 * only through the guarded redeem and reverse statements.
 */
export const couponCodes = sqliteTable(
  "coupon_codes",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    code: text("code").notNull(),
    percentOff: integer("percent_off"),
    amountOffCents: integer("amount_off_cents"),
    currency: text("currency"),
    minSubtotalCents: integer("min_subtotal_cents"),
    expiresAt: text("expires_at"),
    usageLimit: integer("usage_limit"),
    perCustomerLimit: integer("per_customer_limit"),
    firstOrderOnly: integer("first_order_only", { mode: "boolean" }).notNull().default(false),
    timesRedeemed: integer("times_redeemed").notNull().default(0),
    voidedAt: text("voided_at"),
    /** When the expiry job recorded that `expires_at` passed (and emitted `coupon_code.expired`). */
    expiredAt: text("expired_at"),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("coupon_codes_store_code_unique").on(t.storeId, t.code).where(sql`voided_at IS NULL`),
    index("coupon_codes_store_created_idx").on(t.storeId, t.createdAt, t.id),
    check(
      "coupon_codes_usage_range",
      sql`${t.timesRedeemed} >= 0 AND (${t.usageLimit} IS NULL OR ${t.timesRedeemed} <= ${t.usageLimit})`,
    ),
  ],
);

/** One row per use of a coupon; a reversal (refund, declined payment) stamps `reversed_at` once. */
export const couponRedemptions = sqliteTable(
  "coupon_redemptions",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    couponId: text("coupon_id").notNull(),
    customerId: text("customer_id"),
    reference: text("reference"),
    discountCents: integer("discount_cents").notNull(),
    currency: text("currency").notNull(),
    createdAt: text("created_at").notNull(),
    reversedAt: text("reversed_at"),
  },
  (t) => [
    index("coupon_redemptions_coupon_idx").on(t.couponId, t.createdAt, t.id),
    index("coupon_redemptions_customer_idx").on(t.couponId, t.customerId).where(sql`reversed_at IS NULL`),
  ],
);

export type CouponRow = typeof couponCodes.$inferSelect;
export type CouponRedemptionRow = typeof couponRedemptions.$inferSelect;
