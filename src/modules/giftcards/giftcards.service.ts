import { type SQL, and, desc, eq, gt, isNull, not, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { CODE_ALPHABET, groupCode, normalizeCode, randomCode } from "../../shared/codes";
import { sha256Hex } from "../../shared/crypto";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import { liveCustomerGuard } from "../credits";
import type { Write } from "../idempotency";
import { type GiftCardListInput, type IssueGiftCardInput, LEDGER_PREVIEW } from "./giftcards.schemas";
import { type GiftCardLedgerRow, type GiftCardRow, giftCardLedger, giftCards } from "./giftcards.tables";

/** 16 symbols of a 31-symbol alphabet: about 79 bits, grouped in fours for people. */
export const GIFT_CARD_CODE_LENGTH = 16;

const notFound = () => new ApiError("not_found", "No such gift card in this store");

export function giftCardState(row: Pick<GiftCardRow, "voidedAt" | "expiresAt" | "balanceCents">, now = nowIso()) {
  if (row.voidedAt !== null) return "voided" as const;
  if (row.expiresAt !== null && row.expiresAt <= now) return "expired" as const;
  if (row.balanceCents === 0) return "depleted" as const;
  return "active" as const;
}

export function presentGiftCard(row: GiftCardRow) {
  return {
    id: row.id,
    last4: row.last4,
    currency: row.currency,
    initial_amount_cents: row.initialCents,
    balance_cents: row.balanceCents,
    state: giftCardState(row),
    gifter_customer_id: row.gifterCustomerId,
    recipient_customer_id: row.recipientCustomerId,
    note: row.note,
    expires_at: row.expiresAt,
    voided_at: row.voidedAt,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function presentLedgerEntry(row: Pick<GiftCardLedgerRow, "id" | "kind" | "amountCents" | "balanceAfterCents" | "reference" | "reversesId" | "reversedCents" | "createdAt">) {
  return {
    id: row.id,
    kind: row.kind,
    amount_cents: row.amountCents,
    balance_after_cents: row.balanceAfterCents,
    reference: row.reference,
    reverses_id: row.reversesId,
    reversed_cents: row.reversedCents,
    created_at: row.createdAt,
  };
}

/** The SHA-256 of a code as people type it (dashes, spaces and case ignored). */
export function giftCardCodeHash(code: string): Promise<string> {
  return sha256Hex(`gift_card:${normalizeCode(code)}`);
}

/** A card that can be spent at `now`: not voided, not expired, money left. */
export function spendable(now: string): SQL {
  return and(isNull(giftCards.voidedAt), gt(giftCards.balanceCents, 0), or(isNull(giftCards.expiresAt), gt(giftCards.expiresAt, now)))!;
}

/** Issues a card: the card, its `issue` ledger row and `gift_card.issued` in one batch. */
export async function issueGiftCard(db: Db, storeId: string, storeCurrency: string, input: IssueGiftCardInput): Promise<Write<{ card: GiftCardRow; code: string }>> {
  const now = nowIso();
  const code = randomCode(GIFT_CARD_CODE_LENGTH, CODE_ALPHABET);
  const card: GiftCardRow = {
    id: newId("gc"),
    storeId,
    codeHash: await giftCardCodeHash(code),
    last4: code.slice(-4),
    currency: input.currency ?? storeCurrency,
    initialCents: input.amount_cents,
    balanceCents: input.amount_cents,
    gifterCustomerId: input.gifter_customer_id ?? null,
    recipientCustomerId: input.recipient_customer_id ?? null,
    note: input.note ?? null,
    expiresAt: input.expires_at ?? null,
    voidedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const customerIds = [...new Set([card.gifterCustomerId, card.recipientCustomerId].filter((id): id is string => id !== null))];
  return {
    statements: [
      ...customerIds.map((id) => liveCustomerGuard(db, storeId, id)),
      db.insert(giftCards).values(card),
      db.insert(giftCardLedger).values({
        id: newId("gcl"),
        storeId,
        giftCardId: card.id,
        kind: "issue",
        amountCents: card.initialCents,
        balanceAfterCents: card.initialCents,
        reference: null,
        reversesId: null,
        reversedCents: 0,
        createdAt: now,
      }),
    ],
    events: [{ type: "gift_card.issued", resource_type: "gift_card", resource_id: card.id, resource_version: 1, data: { gift_card: presentGiftCard(card) } }],
    result: { card, code: groupCode(code) },
    refused: (error) => (isBatchGuardFailure(error) ? new ApiError("customer_not_found", "The gifter or recipient is not a customer of this store") : undefined),
  };
}

export async function getGiftCardRow(db: Db, storeId: string, id: string): Promise<GiftCardRow> {
  const [row] = await db.select().from(giftCards).where(and(eq(giftCards.id, id), eq(giftCards.storeId, storeId))).limit(1);
  if (!row) throw notFound();
  return row;
}

/** The card with its newest ledger entries, in one round trip. */
export async function getGiftCard(db: Db, storeId: string, id: string) {
  const [[row], ledger] = await db.batch([
    db.select().from(giftCards).where(and(eq(giftCards.id, id), eq(giftCards.storeId, storeId))).limit(1),
    db
      .select()
      .from(giftCardLedger)
      .where(and(eq(giftCardLedger.giftCardId, id), eq(giftCardLedger.storeId, storeId)))
      .orderBy(desc(giftCardLedger.createdAt), desc(giftCardLedger.id))
      .limit(LEDGER_PREVIEW + 1),
  ]);
  if (!row) throw notFound();
  return { ...presentGiftCard(row), ledger: ledger.slice(0, LEDGER_PREVIEW).map(presentLedgerEntry), ledger_has_more: ledger.length > LEDGER_PREVIEW };
}

export async function listGiftCardLedger(db: Db, secret: SecretSource, storeId: string, id: string, page: { limit: number; cursor?: string | undefined }) {
  await getGiftCardRow(db, storeId, id);
  const keyset = await paginate(secret, `gift_card_ledger:${storeId}:${id}`, page, { createdAt: giftCardLedger.createdAt, id: giftCardLedger.id });
  const rows = await db
    .select()
    .from(giftCardLedger)
    .where(and(eq(giftCardLedger.giftCardId, id), eq(giftCardLedger.storeId, storeId), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, presentLedgerEntry);
}

export async function listGiftCards(db: Db, secret: SecretSource, storeId: string, query: GiftCardListInput & { customer_id?: string }) {
  const now = nowIso();
  const scope = `gift_cards:${storeId}:${query.gifter_customer_id ?? ""}:${query.recipient_customer_id ?? ""}:${query.customer_id ?? ""}:${query.active ?? ""}`;
  const keyset = await paginate(secret, scope, query, { createdAt: giftCards.createdAt, id: giftCards.id });
  const conditions: Array<SQL | undefined> = [eq(giftCards.storeId, storeId), keyset.where];
  if (query.gifter_customer_id) conditions.push(eq(giftCards.gifterCustomerId, query.gifter_customer_id));
  if (query.recipient_customer_id) conditions.push(eq(giftCards.recipientCustomerId, query.recipient_customer_id));
  if (query.customer_id) conditions.push(or(eq(giftCards.gifterCustomerId, query.customer_id), eq(giftCards.recipientCustomerId, query.customer_id)));
  if (query.active === true) conditions.push(spendable(now));
  if (query.active === false) conditions.push(not(spendable(now)));
  const rows = await db.select().from(giftCards).where(and(...conditions)).orderBy(...keyset.orderBy).limit(keyset.limit);
  return keyset.page(rows, presentGiftCard);
}

/** Voids a card: balance to 0 with a `void` ledger row of what it held; 409 if already voided. */
export async function voidGiftCard(db: Db, storeId: string, id: string): Promise<Write<GiftCardRow>> {
  const row = await getGiftCardRow(db, storeId, id);
  if (row.voidedAt !== null) throw new ApiError("invalid_transition", "The gift card is already voided");
  const now = nowIso();
  const ledgerId = newId("gcl");
  const voided: GiftCardRow = { ...row, balanceCents: 0, voidedAt: now, version: row.version + 1, updatedAt: now };
  return {
    statements: [
      // The ledger row records the balance the card held at the moment of the void, read in the batch.
      batchable(
        db.$client,
        db.run(sql`INSERT INTO gift_card_ledger (id, store_id, gift_card_id, kind, amount_cents, balance_after_cents, reversed_cents, created_at)
          SELECT ${ledgerId}, store_id, id, 'void', balance_cents, 0, 0, ${now} FROM gift_cards
          WHERE id = ${id} AND store_id = ${storeId} AND voided_at IS NULL`),
      ),
      changedOneRow(db),
      db
        .update(giftCards)
        .set({ balanceCents: 0, voidedAt: now, version: sql`${giftCards.version} + 1`, updatedAt: now })
        .where(and(eq(giftCards.id, id), eq(giftCards.storeId, storeId), isNull(giftCards.voidedAt))),
    ],
    events: [{ type: "gift_card.voided", resource_type: "gift_card", resource_id: id, resource_version: voided.version, data: { gift_card: presentGiftCard(voided) } }],
    result: voided,
    refused: (error) => (isBatchGuardFailure(error) ? new ApiError("invalid_transition", "The gift card is already voided") : undefined),
  };
}

/** A live card by code, or null for an unknown, voided, expired or empty one (callers answer uniformly). */
export async function findSpendableByCode(db: Db, storeId: string, code: string): Promise<GiftCardRow | null> {
  const normalized = normalizeCode(code);
  if (normalized.length !== GIFT_CARD_CODE_LENGTH) return null;
  const [row] = await db
    .select()
    .from(giftCards)
    .where(and(eq(giftCards.storeId, storeId), eq(giftCards.codeHash, await giftCardCodeHash(normalized)), spendable(nowIso())))
    .limit(1);
  return row ?? null;
}
