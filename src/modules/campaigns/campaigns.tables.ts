import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A brand of the store: where its coupons are realized (the brand's shop system) and the secret
 * realizations are signed with (AES-GCM encrypted: the Worker signs with it, so it cannot be a hash;
 * after a rotation the previous one also signs for 24 h).
 */
export const brands = sqliteTable(
  "brands",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    name: text("name").notNull(),
    realizerUrl: text("realizer_url").notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    verifyEmail: integer("verify_email", { mode: "boolean" }).notNull().default(false),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [index("brands_store_created_idx").on(t.storeId, t.createdAt, t.id).where(sql`deleted_at IS NULL`)],
);

/**
 * A brand's discount: what every code it issues is worth, its window, and how codes are made (one
 * `fixed_code` for everyone, or unique codes of `code_length` symbols of `code_alphabet`).
 * `fan_count` is kept by the registration batch so `max_fans` is exact under concurrency.
 */
export const brandDiscounts = sqliteTable(
  "brand_discounts",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    brandId: text("brand_id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    type: text("type", { enum: ["percent", "fixed_cart", "free_shipping"] }).notNull(),
    amount: integer("amount"),
    currency: text("currency"),
    freeShipping: integer("free_shipping", { mode: "boolean" }).notNull().default(false),
    usageLimit: integer("usage_limit").notNull().default(1),
    startsAt: text("starts_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    fixedCode: text("fixed_code"),
    codeLength: integer("code_length"),
    codeAlphabet: text("code_alphabet", { enum: ["unambiguous", "uppercase_digits", "digits"] }),
    codePrefix: text("code_prefix"),
    maxFans: integer("max_fans").notNull(),
    fanCount: integer("fan_count").notNull().default(0),
    verifyEmail: integer("verify_email", { mode: "boolean" }).notNull().default(false),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    index("brand_discounts_brand_created_idx").on(t.brandId, t.createdAt, t.id).where(sql`deleted_at IS NULL`),
    check("brand_discounts_fan_count", sql`${t.fanCount} >= 0 AND ${t.fanCount} <= ${t.maxFans}`),
    check("brand_discounts_usage_limit", sql`${t.usageLimit} >= 1`),
  ],
);

/**
 * One registration per normalized email per discount. With email verification the fan is
 * `pending_verification` and holds the SHA-256 of a single-use token until it is used or expires.
 */
export const fans = sqliteTable(
  "fans",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    brandId: text("brand_id").notNull(),
    discountId: text("discount_id").notNull(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    emailNormalized: text("email_normalized").notNull(),
    socialHandle: text("social_handle"),
    status: text("status", { enum: ["pending_verification", "verified", "registered"] }).notNull(),
    tokenHash: text("token_hash"),
    tokenExpiresAt: text("token_expires_at"),
    verifiedAt: text("verified_at"),
    emailDeliveryId: text("email_delivery_id"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("fans_discount_email_unique").on(t.discountId, t.emailNormalized),
    uniqueIndex("fans_token_unique").on(t.tokenHash),
    index("fans_discount_created_idx").on(t.discountId, t.createdAt, t.id),
  ],
);

/**
 * An issued code and its realization at the brand's shop system: `pending` until the realizer
 * accepts it (`realized`) or it fails for good (`failed`: a 4xx, or the queue's last retry). The code
 * is AES-GCM encrypted (the API shows it to the shop); unique codes also keep a SHA-256 per discount
 * so two fans can never get the same one.
 */
export const campaignCoupons = sqliteTable(
  "campaign_coupons",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    brandId: text("brand_id").notNull(),
    discountId: text("discount_id").notNull(),
    fanId: text("fan_id").notNull(),
    codeCiphertext: text("code_ciphertext").notNull(),
    codeHash: text("code_hash"),
    status: text("status", { enum: ["pending", "realized", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    lastResponseStatus: integer("last_response_status"),
    nextAttemptAt: text("next_attempt_at"),
    lockedUntil: text("locked_until"),
    realizedAt: text("realized_at"),
    failedAt: text("failed_at"),
    deadLetteredAt: text("dead_lettered_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("campaign_coupons_fan_unique").on(t.fanId),
    uniqueIndex("campaign_coupons_discount_code_unique").on(t.discountId, t.codeHash),
    index("campaign_coupons_discount_created_idx").on(t.discountId, t.createdAt, t.id),
    index("campaign_coupons_discount_status_idx").on(t.discountId, t.status, t.createdAt, t.id),
    index("campaign_coupons_pending_idx").on(t.status, t.nextAttemptAt),
  ],
);

export type BrandRow = typeof brands.$inferSelect;
export type BrandDiscountRow = typeof brandDiscounts.$inferSelect;
export type FanRow = typeof fans.$inferSelect;
export type CampaignCouponRow = typeof campaignCoupons.$inferSelect;
