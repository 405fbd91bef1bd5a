import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import type { Write } from "../idempotency";
import { getGiftCardRow, giftCardState } from "./giftcards.service";
import { giftCardLedger } from "./giftcards.tables";

export interface GiftCardDraw {
  giftCardId: string;
  /** The `spend` ledger row; pass it to `planGiftCardReversal` to give (part of) it back. */
  ledgerEntryId: string;
  amountCents: number;
}

const balanceMoved = () => new ApiError("insufficient_balance", "The gift card's balance changed; read it again and retry");

/**
 * Draws up to `maxCents` from a card for checkout's batch: `min(balance, maxCents)` as read now, then
 * a guarded UPDATE that fails the whole batch unless the card still holds that much, is live and in
 * `currency`, and the `spend` ledger row written from the balance the UPDATE left. A concurrent draw
 * can make the batch fail (409 `insufficient_balance`, re-plan); it can never overdraw.
 */
export async function planGiftCardDraw(
  db: Db,
  storeId: string,
  draw: { giftCardId: string; maxCents: number; currency: string; reference: string },
): Promise<Write<GiftCardDraw>> {
  const card = await getGiftCardRow(db, storeId, draw.giftCardId);
  const now = nowIso();
  if (giftCardState(card, now) !== "active" || card.currency !== draw.currency || draw.maxCents < 1) {
    throw new ApiError("code_not_applicable", "This gift card cannot be used");
  }
  const amount = Math.min(card.balanceCents, draw.maxCents);
  const ledgerEntryId = newId("gcl");
  return {
    statements: [
      batchable(
        db.$client,
        db.run(sql`UPDATE gift_cards SET balance_cents = balance_cents - ${amount}, version = version + 1, updated_at = ${now}
          WHERE id = ${card.id} AND store_id = ${storeId} AND currency = ${draw.currency} AND voided_at IS NULL
            AND (expires_at IS NULL OR expires_at > ${now}) AND balance_cents >= ${amount}`),
      ),
      changedOneRow(db),
      batchable(
        db.$client,
        db.run(sql`INSERT INTO gift_card_ledger (id, store_id, gift_card_id, kind, amount_cents, balance_after_cents, reference, reversed_cents, created_at)
          SELECT ${ledgerEntryId}, store_id, id, 'spend', ${amount}, balance_cents, ${draw.reference}, 0, ${now} FROM gift_cards WHERE id = ${card.id}`),
      ),
    ],
    events: [
      {
        type: "gift_card.spent",
        resource_type: "gift_card",
        resource_id: card.id,
        data: { gift_card_id: card.id, ledger_entry_id: ledgerEntryId, amount_cents: amount, currency: card.currency, reference: draw.reference },
      },
    ],
    result: { giftCardId: card.id, ledgerEntryId, amountCents: amount },
    refused: (error) => (isBatchGuardFailure(error) ? balanceMoved() : undefined),
  };
}

/**
 * Gives back `amountCents` of a spend (a refund, a declined payment). Guarded so the reversals of
 * one spend never add up to more than it drew, and refused for a voided card (give store credit).
 */
export async function planGiftCardReversal(
  db: Db,
  storeId: string,
  reversal: { ledgerEntryId: string; amountCents: number; reference: string },
): Promise<Write<{ giftCardId: string; ledgerEntryId: string; amountCents: number }>> {
  const [spend] = await db
    .select()
    .from(giftCardLedger)
    .where(and(eq(giftCardLedger.id, reversal.ledgerEntryId), eq(giftCardLedger.storeId, storeId), eq(giftCardLedger.kind, "spend")))
    .limit(1);
  if (!spend) throw new ApiError("not_found", "No such gift card spend in this store");
  const amount = reversal.amountCents;
  if (!Number.isSafeInteger(amount) || amount < 1 || spend.reversedCents + amount > spend.amountCents) {
    throw new ApiError("business_rule_violation", "A reversal cannot give back more than the spend drew");
  }
  const now = nowIso();
  const ledgerEntryId = newId("gcl");
  return {
    statements: [
      batchable(
        db.$client,
        db.run(sql`UPDATE gift_card_ledger SET reversed_cents = reversed_cents + ${amount}
          WHERE id = ${spend.id} AND store_id = ${storeId} AND kind = 'spend' AND reversed_cents + ${amount} <= amount_cents`),
      ),
      changedOneRow(db),
      batchable(
        db.$client,
        db.run(sql`UPDATE gift_cards SET balance_cents = balance_cents + ${amount}, version = version + 1, updated_at = ${now}
          WHERE id = ${spend.giftCardId} AND store_id = ${storeId} AND voided_at IS NULL`),
      ),
      changedOneRow(db),
      batchable(
        db.$client,
        db.run(sql`INSERT INTO gift_card_ledger (id, store_id, gift_card_id, kind, amount_cents, balance_after_cents, reference, reverses_id, reversed_cents, created_at)
          SELECT ${ledgerEntryId}, store_id, id, 'reversal', ${amount}, balance_cents, ${reversal.reference}, ${spend.id}, 0, ${now} FROM gift_cards WHERE id = ${spend.giftCardId}`),
      ),
    ],
    events: [
      {
        type: "gift_card.spend_reversed",
        resource_type: "gift_card",
        resource_id: spend.giftCardId,
        data: { gift_card_id: spend.giftCardId, ledger_entry_id: ledgerEntryId, reverses_id: spend.id, amount_cents: amount, reference: reversal.reference },
      },
    ],
    result: { giftCardId: spend.giftCardId, ledgerEntryId, amountCents: amount },
    refused: (error) =>
      isBatchGuardFailure(error) ? new ApiError("insufficient_balance", "The spend was already given back, or the card is voided") : undefined,
  };
}
