import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Customers. `email` and `confirmed_at` mirror the primary row of `customer_emails`; the service
 * updates them in the same batch whenever the primary email changes or is confirmed.
 */
export const customers = sqliteTable(
  "customers",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    firstName: text("first_name"),
    lastName: text("last_name"),
    email: text("email").notNull(),
    currency: text("currency").notNull(),
    passwordHash: text("password_hash"),
    confirmedAt: text("confirmed_at"),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    index("customers_store_created_idx").on(t.storeId, t.createdAt, t.id).where(sql`deleted_at IS NULL`),
  ],
);

/**
 * Every email of a customer. `email_normalized` (trimmed, NFC, lowercased) is unique per store among
 * live rows; exactly one live row per customer is primary.
 */
export const customerEmails = sqliteTable(
  "customer_emails",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    email: text("email").notNull(),
    emailNormalized: text("email_normalized").notNull(),
    isPrimary: integer("is_primary", { mode: "boolean" }).notNull().default(false),
    confirmedAt: text("confirmed_at"),
    createdAt: text("created_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    uniqueIndex("customer_emails_store_email_unique").on(t.storeId, t.emailNormalized).where(sql`deleted_at IS NULL`),
    uniqueIndex("customer_emails_one_primary").on(t.customerId).where(sql`is_primary = 1 AND deleted_at IS NULL`),
    index("customer_emails_customer_idx").on(t.customerId, t.createdAt),
  ],
);

/** Postal addresses; at most one live primary per customer (a partial unique index guarantees it). */
export const customerAddresses = sqliteTable(
  "customer_addresses",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    name: text("name"),
    company: text("company"),
    line1: text("line1").notNull(),
    line2: text("line2"),
    city: text("city").notNull(),
    state: text("state"),
    postalCode: text("postal_code"),
    country: text("country").notNull(),
    phone: text("phone"),
    isPrimary: integer("is_primary", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    uniqueIndex("customer_addresses_one_primary").on(t.customerId).where(sql`is_primary = 1 AND deleted_at IS NULL`),
    index("customer_addresses_customer_idx").on(t.customerId, t.createdAt),
  ],
);

/** Storefront sessions (`cst_` tokens); only a SHA-256 of the token is stored. */
export const customerSessions = sqliteTable(
  "customer_sessions",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    uniqueIndex("customer_sessions_token_hash_unique").on(t.tokenHash),
    index("customer_sessions_customer_idx").on(t.customerId),
    index("customer_sessions_expires_idx").on(t.expiresAt),
  ],
);

/** Email confirmation tokens (`ect_`): hashed, valid 24 h, usable once. */
export const confirmationTokens = sqliteTable(
  "confirmation_tokens",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    emailId: text("email_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [
    uniqueIndex("confirmation_tokens_token_hash_unique").on(t.tokenHash),
    index("confirmation_tokens_expires_idx").on(t.expiresAt),
  ],
);

/**
 * The email outbox: one row per email to send, its delivery state visible through the API.
 * `payload` holds the template data (AES-GCM encrypted: it carries the confirmation token) until the
 * email is handed over, then it is erased.
 */
export const emailDeliveries = sqliteTable(
  "email_deliveries",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    /** The customer a confirmation is for; null for emails to people who are not customers (a fan). */
    customerId: text("customer_id"),
    kind: text("kind", { enum: ["customer_confirmation", "fan_verification"] }).notNull(),
    toEmail: text("to_email").notNull(),
    status: text("status", { enum: ["queued", "sending", "sent", "logged", "failed"] }).notNull(),
    payload: text("payload"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    lockedUntil: text("locked_until"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deliveredAt: text("delivered_at"),
  },
  (t) => [index("email_deliveries_store_customer_idx").on(t.storeId, t.customerId, t.createdAt)],
);

export type CustomerRow = typeof customers.$inferSelect;
export type CustomerEmailRow = typeof customerEmails.$inferSelect;
export type CustomerAddressRow = typeof customerAddresses.$inferSelect;
export type CustomerSessionRow = typeof customerSessions.$inferSelect;
export type EmailDeliveryRow = typeof emailDeliveries.$inferSelect;
