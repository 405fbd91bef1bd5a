import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const stores = sqliteTable(
  "stores",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    tagline: text("tagline"),
    currency: text("currency").notNull(),
    appId: text("app_id").notNull(),
    appSecretHash: text("app_secret_hash").notNull(),
    creditOrderPreference: text("credit_order_preference", { enum: ["gift_card_first", "store_credit_first"] })
      .notNull()
      .default("gift_card_first"),
    requireEmailConfirmation: integer("require_email_confirmation", { mode: "boolean" }).notNull().default(false),
    /** Cart and checkout settings (carts module): tax in basis points, flat shipping, free over a threshold. */
    taxRateBps: integer("tax_rate_bps").notNull().default(0),
    shippingFlatCents: integer("shipping_flat_cents").notNull().default(0),
    /** Which stored value checkout draws first: gift cards (default) or the customer's store credit. */
    storedValueOrder: text("stored_value_order", { enum: ["gift_cards_first", "credit_first"] }).notNull().default("gift_cards_first"),
    freeShippingOverCents: integer("free_shipping_over_cents"),
    cartExpirySeconds: integer("cart_expiry_seconds").notNull().default(604800),
    maxItemQuantity: integer("max_item_quantity").notNull().default(100),
    /** Draft orders older than this many days are canceled (reason `expired`) by the hourly cron; null: never. */
    draftExpiryDays: integer("draft_expiry_days"),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [uniqueIndex("stores_app_id_unique").on(t.appId)],
);

/** API keys (`sk_`) and access tokens (`at_`): only a SHA-256 of the secret is stored. */
export const credentials = sqliteTable(
  "credentials",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id")
      .notNull()
      .references(() => stores.id),
    kind: text("kind", { enum: ["api_key", "access_token"] }).notNull(),
    name: text("name"),
    secretHash: text("secret_hash").notNull(),
    displayPrefix: text("display_prefix").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at"),
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    uniqueIndex("credentials_secret_hash_unique").on(t.secretHash),
    index("credentials_store_kind_created_idx").on(t.storeId, t.kind, t.createdAt, t.id),
    index("credentials_expires_idx").on(t.expiresAt).where(sql`${t.expiresAt} IS NOT NULL`),
  ],
);

export type StoreRow = typeof stores.$inferSelect;
export type CredentialRow = typeof credentials.$inferSelect;
