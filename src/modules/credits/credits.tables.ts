import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Store credit: each grant is a row with its own balance and expiry, so credits expiring first are
 * spent first and a reversal returns money to the grant it came from.
 */
export const customerCredits = sqliteTable(
  "customer_credits",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    customerId: text("customer_id").notNull(),
    currency: text("currency").notNull(),
    amountCents: integer("amount_cents").notNull(),
    balanceCents: integer("balance_cents").notNull(),
    reason: text("reason").notNull(),
    expiresAt: text("expires_at"),
    voidedAt: text("voided_at"),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("customer_credits_customer_idx").on(t.storeId, t.customerId, t.createdAt, t.id),
    check("customer_credits_balance_range", sql`${t.balanceCents} >= 0 AND ${t.balanceCents} <= ${t.amountCents}`),
  ],
);

/** Every change of a credit's balance; same kinds and rules as the gift card ledger. */
export const creditLedger = sqliteTable(
  "credit_ledger",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    creditId: text("credit_id").notNull(),
    customerId: text("customer_id").notNull(),
    kind: text("kind", { enum: ["issue", "spend", "reversal", "void", "expire"] }).notNull(),
    amountCents: integer("amount_cents").notNull(),
    balanceAfterCents: integer("balance_after_cents").notNull(),
    reference: text("reference"),
    reversesId: text("reverses_id"),
    reversedCents: integer("reversed_cents").notNull().default(0),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("credit_ledger_credit_idx").on(t.creditId, t.createdAt, t.id),
    check("credit_ledger_reversed_range", sql`${t.reversedCents} >= 0 AND ${t.reversedCents} <= ${t.amountCents}`),
  ],
);

export type CreditRow = typeof customerCredits.$inferSelect;
export type CreditLedgerRow = typeof creditLedger.$inferSelect;
