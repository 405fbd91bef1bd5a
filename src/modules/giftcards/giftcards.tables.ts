import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Gift cards. The code is stored only as its SHA-256 (codes carry 80 random bits, so a hash cannot be
 * reversed by guessing) plus its last four characters for display. The balance changes only through
 * guarded statements that write a ledger row in the same batch; the CHECK is a last line of defence.
 */
export const giftCards = sqliteTable(
  "gift_cards",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    codeHash: text("code_hash").notNull(),
    last4: text("last4").notNull(),
    currency: text("currency").notNull(),
    initialCents: integer("initial_cents").notNull(),
    balanceCents: integer("balance_cents").notNull(),
    gifterCustomerId: text("gifter_customer_id"),
    recipientCustomerId: text("recipient_customer_id"),
    note: text("note"),
    expiresAt: text("expires_at"),
    voidedAt: text("voided_at"),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("gift_cards_store_code_unique").on(t.storeId, t.codeHash),
    index("gift_cards_store_created_idx").on(t.storeId, t.createdAt, t.id),
    index("gift_cards_gifter_idx").on(t.storeId, t.gifterCustomerId, t.createdAt, t.id),
    index("gift_cards_recipient_idx").on(t.storeId, t.recipientCustomerId, t.createdAt, t.id),
    check("gift_cards_balance_range", sql`${t.balanceCents} >= 0 AND ${t.balanceCents} <= ${t.initialCents}`),
  ],
);

/**
 * Every change of a card's balance: `issue`, `spend`, `reversal` (of a spend, never more than it drew:
 * `reversed_cents` on the spend row is guarded), `void` and `expire`. `amount_cents` is positive; the
 * kind says which way it moved. `balance_after_cents` is the card's balance right after this row.
 */
export const giftCardLedger = sqliteTable(
  "gift_card_ledger",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    giftCardId: text("gift_card_id").notNull(),
    kind: text("kind", { enum: ["issue", "spend", "reversal", "void", "expire"] }).notNull(),
    amountCents: integer("amount_cents").notNull(),
    balanceAfterCents: integer("balance_after_cents").notNull(),
    reference: text("reference"),
    reversesId: text("reverses_id"),
    reversedCents: integer("reversed_cents").notNull().default(0),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("gift_card_ledger_card_idx").on(t.giftCardId, t.createdAt, t.id),
    check("gift_card_ledger_reversed_range", sql`${t.reversedCents} >= 0 AND ${t.reversedCents} <= ${t.amountCents}`),
  ],
);

export type GiftCardRow = typeof giftCards.$inferSelect;
export type GiftCardLedgerRow = typeof giftCardLedger.$inferSelect;
