import { and, gt, isNotNull, isNull, lte, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import { createDb } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { commit } from "../idempotency";
import { customerCredits } from "./credits.tables";

/** Catch-up expiry of store credit, like the gift cards': an `expire` ledger row and `credit.expired`. */
export async function expireCredits(env: Pick<Bindings, "DB" | "EVENTS">, now = nowIso(), limit = 500): Promise<{ expired: number }> {
  const db = createDb(env.DB);
  const due = await db
    .select({ id: customerCredits.id, storeId: customerCredits.storeId, customerId: customerCredits.customerId, balanceCents: customerCredits.balanceCents, currency: customerCredits.currency })
    .from(customerCredits)
    .where(and(isNull(customerCredits.voidedAt), isNotNull(customerCredits.expiresAt), lte(customerCredits.expiresAt, now), gt(customerCredits.balanceCents, 0)))
    .limit(limit);
  let expired = 0;
  for (const credit of due) {
    const ledgerEntryId = newId("crl");
    const live = sql`id = ${credit.id} AND voided_at IS NULL AND expires_at <= ${now} AND balance_cents > 0`;
    try {
      await commit(
        db,
        {
          statements: [
            batchable(
              db.$client,
              db.run(sql`INSERT INTO credit_ledger (id, store_id, credit_id, customer_id, kind, amount_cents, balance_after_cents, reversed_cents, created_at)
                SELECT ${ledgerEntryId}, store_id, id, customer_id, 'expire', balance_cents, 0, 0, ${now} FROM customer_credits WHERE ${live}`),
            ),
            changedOneRow(db),
            batchable(db.$client, db.run(sql`UPDATE customer_credits SET balance_cents = 0, version = version + 1, updated_at = ${now} WHERE ${live}`)),
          ],
          events: [
            {
              type: "credit.expired",
              resource_type: "credit",
              resource_id: credit.id,
              data: { credit_id: credit.id, customer_id: credit.customerId, ledger_entry_id: ledgerEntryId, amount_cents: credit.balanceCents, currency: credit.currency },
            },
          ],
          result: null,
        },
        { storeId: credit.storeId, events: env.EVENTS },
      );
      expired += 1;
    } catch (error) {
      if (!isBatchGuardFailure(error)) throw error;
    }
  }
  return { expired };
}
