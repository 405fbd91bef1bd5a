import { and, gt, isNotNull, isNull, lte, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import { createDb } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { commit } from "../idempotency";
import { giftCards } from "./giftcards.tables";

/**
 * Catch-up expiry: every live card whose `expires_at` has passed and that still holds money loses
 * it through an `expire` ledger row, with `gift_card.expired`. Each card is one guarded batch, so a
 * second run (or a concurrent one) finds nothing left to do.
 */
export async function expireGiftCards(env: Pick<Bindings, "DB" | "EVENTS">, now = nowIso(), limit = 500): Promise<{ expired: number }> {
  const db = createDb(env.DB);
  const due = await db
    .select({ id: giftCards.id, storeId: giftCards.storeId, balanceCents: giftCards.balanceCents, currency: giftCards.currency })
    .from(giftCards)
    .where(and(isNull(giftCards.voidedAt), isNotNull(giftCards.expiresAt), lte(giftCards.expiresAt, now), gt(giftCards.balanceCents, 0)))
    .limit(limit);
  let expired = 0;
  for (const card of due) {
    const ledgerEntryId = newId("gcl");
    const live = sql`id = ${card.id} AND voided_at IS NULL AND expires_at <= ${now} AND balance_cents > 0`;
    try {
      await commit(
        db,
        {
          statements: [
            batchable(
              db.$client,
              db.run(sql`INSERT INTO gift_card_ledger (id, store_id, gift_card_id, kind, amount_cents, balance_after_cents, reversed_cents, created_at)
                SELECT ${ledgerEntryId}, store_id, id, 'expire', balance_cents, 0, 0, ${now} FROM gift_cards WHERE ${live}`),
            ),
            changedOneRow(db),
            batchable(db.$client, db.run(sql`UPDATE gift_cards SET balance_cents = 0, version = version + 1, updated_at = ${now} WHERE ${live}`)),
          ],
          events: [
            {
              type: "gift_card.expired",
              resource_type: "gift_card",
              resource_id: card.id,
              data: { gift_card_id: card.id, ledger_entry_id: ledgerEntryId, amount_cents: card.balanceCents, currency: card.currency },
            },
          ],
          result: null,
        },
        { storeId: card.storeId, events: env.EVENTS },
      );
      expired += 1;
    } catch (error) {
      if (!isBatchGuardFailure(error)) throw error; // spent, voided or expired by someone else meanwhile
    }
  }
  return { expired };
}
