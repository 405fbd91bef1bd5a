import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import type { Write } from "../idempotency";
import type { EventDraft } from "../events";
import { spendableCredit } from "./credits.service";
import { creditLedger, customerCredits } from "./credits.tables";

/** At most this many credit grants are drawn from in one checkout (three statements each, one batch). */
export const MAX_CREDITS_PER_DRAW = 50;

export interface CreditDraw {
  total_cents: number;
  draws: Array<{ creditId: string; ledgerEntryId: string; amountCents: number }>;
}

const balanceMoved = () => new ApiError("insufficient_balance", "The customer's credit changed; read it again and retry");

/**
 * Draws up to `maxCents` of the customer's credit in `currency` for checkout's batch, from the credit
 * expiring first (never-expiring last, then oldest). The allocation is planned from a read; each part
 * is a guarded UPDATE that fails the whole batch unless that credit still holds its part, with its
 * `spend` ledger row. A concurrent draw can make the batch fail (409, re-plan); it never overdraws.
 */
export async function planCreditDraw(
  db: Db,
  storeId: string,
  draw: { customerId: string; currency: string; maxCents: number; reference: string },
): Promise<Write<CreditDraw>> {
  const now = nowIso();
  const credits = await db
    .select({ id: customerCredits.id, balanceCents: customerCredits.balanceCents })
    .from(customerCredits)
    .where(and(eq(customerCredits.storeId, storeId), eq(customerCredits.customerId, draw.customerId), eq(customerCredits.currency, draw.currency), spendableCredit(now)))
    .orderBy(sql`${customerCredits.expiresAt} IS NULL`, asc(customerCredits.expiresAt), asc(customerCredits.createdAt), asc(customerCredits.id))
    .limit(MAX_CREDITS_PER_DRAW);
  let left = Math.max(0, draw.maxCents);
  const result: CreditDraw = { total_cents: 0, draws: [] };
  const statements = [];
  const events: EventDraft[] = [];
  for (const credit of credits) {
    if (left === 0) break;
    const amount = Math.min(left, credit.balanceCents);
    const ledgerEntryId = newId("crl");
    statements.push(
      batchable(
        db.$client,
        db.run(sql`UPDATE customer_credits SET balance_cents = balance_cents - ${amount}, version = version + 1, updated_at = ${now}
          WHERE id = ${credit.id} AND store_id = ${storeId} AND voided_at IS NULL
            AND (expires_at IS NULL OR expires_at > ${now}) AND balance_cents >= ${amount}`),
      ),
      changedOneRow(db),
      batchable(
        db.$client,
        db.run(sql`INSERT INTO credit_ledger (id, store_id, credit_id, customer_id, kind, amount_cents, balance_after_cents, reference, reversed_cents, created_at)
          SELECT ${ledgerEntryId}, store_id, id, customer_id, 'spend', ${amount}, balance_cents, ${draw.reference}, 0, ${now} FROM customer_credits WHERE id = ${credit.id}`),
      ),
    );
    events.push({
      type: "credit.spent",
      resource_type: "credit",
      resource_id: credit.id,
      data: { credit_id: credit.id, customer_id: draw.customerId, ledger_entry_id: ledgerEntryId, amount_cents: amount, currency: draw.currency, reference: draw.reference },
    });
    result.draws.push({ creditId: credit.id, ledgerEntryId, amountCents: amount });
    result.total_cents += amount;
    left -= amount;
  }
  return { statements, events, result, refused: (error) => (isBatchGuardFailure(error) ? balanceMoved() : undefined) };
}

/** Gives back part or all of one credit spend; the reversals of a spend never exceed what it drew. */
export async function planCreditReversal(
  db: Db,
  storeId: string,
  reversal: { ledgerEntryId: string; amountCents: number; reference: string },
): Promise<Write<{ creditId: string; ledgerEntryId: string; amountCents: number }>> {
  const [spend] = await db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.id, reversal.ledgerEntryId), eq(creditLedger.storeId, storeId), eq(creditLedger.kind, "spend")))
    .limit(1);
  if (!spend) throw new ApiError("not_found", "No such credit spend in this store");
  const amount = reversal.amountCents;
  if (!Number.isSafeInteger(amount) || amount < 1 || spend.reversedCents + amount > spend.amountCents) {
    throw new ApiError("business_rule_violation", "A reversal cannot give back more than the spend drew");
  }
  const now = nowIso();
  const ledgerEntryId = newId("crl");
  return {
    statements: [
      batchable(
        db.$client,
        db.run(sql`UPDATE credit_ledger SET reversed_cents = reversed_cents + ${amount}
          WHERE id = ${spend.id} AND store_id = ${storeId} AND kind = 'spend' AND reversed_cents + ${amount} <= amount_cents`),
      ),
      changedOneRow(db),
      batchable(
        db.$client,
        db.run(sql`UPDATE customer_credits SET balance_cents = balance_cents + ${amount}, version = version + 1, updated_at = ${now}
          WHERE id = ${spend.creditId} AND store_id = ${storeId} AND voided_at IS NULL`),
      ),
      changedOneRow(db),
      batchable(
        db.$client,
        db.run(sql`INSERT INTO credit_ledger (id, store_id, credit_id, customer_id, kind, amount_cents, balance_after_cents, reference, reverses_id, reversed_cents, created_at)
          SELECT ${ledgerEntryId}, store_id, id, customer_id, 'reversal', ${amount}, balance_cents, ${reversal.reference}, ${spend.id}, 0, ${now} FROM customer_credits WHERE id = ${spend.creditId}`),
      ),
    ],
    events: [
      {
        type: "credit.spend_reversed",
        resource_type: "credit",
        resource_id: spend.creditId,
        data: { credit_id: spend.creditId, customer_id: spend.customerId, ledger_entry_id: ledgerEntryId, reverses_id: spend.id, amount_cents: amount, reference: reversal.reference },
      },
    ],
    result: { creditId: spend.creditId, ledgerEntryId, amountCents: amount },
    refused: (error) => (isBatchGuardFailure(error) ? new ApiError("insufficient_balance", "The spend was already given back, or the credit is voided") : undefined),
  };
}
