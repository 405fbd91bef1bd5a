import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { TEST_CARDS, isTestCardToken } from "./payments.cards";
import { type PaymentChargeRow, paymentCharges, paymentRefunds } from "./payments.tables";

export interface ChargeInput {
  storeId: string;
  token: string;
  amountCents: number;
  currency: string;
  /** The same key always answers the same charge (a retry after a crash never charges twice). */
  idempotencyKey: string;
}

export type ChargeOutcome =
  | { status: "succeeded" | "pending"; chargeId: string }
  | { status: "declined"; chargeId: string; message: string };

export interface RefundInput {
  storeId: string;
  chargeId: string;
  amountCents: number;
  idempotencyKey: string;
}

export type RefundOutcome = { status: "refunded"; refundId: string } | { status: "refused"; message: string };

/** What checkout and refunds need of a payment provider; every call is idempotent by its key. */
export interface PaymentProvider {
  readonly name: string;
  charge(input: ChargeInput): Promise<ChargeOutcome>;
  refund(input: RefundInput): Promise<RefundOutcome>;
}

/** A provider-side failure that is not a decline (bad request, key reused with another amount). */
export class PaymentProviderError extends Error {
  override name = "PaymentProviderError";
}

function outcomeOf(row: PaymentChargeRow): ChargeOutcome {
  if (row.status === "declined" || row.status === "failed") return { status: "declined", chargeId: row.id, message: row.message ?? "The payment failed." };
  return { status: row.status, chargeId: row.id };
}

/**
 * The built-in provider for development and tests: its cards behave as documented in
 * `TEST_CARDS`; its records are in D1 tables only it touches, standing in for a provider's side.
 */
export function testCardProvider(db: Db): PaymentProvider {
  return {
    name: "test_card",
    async charge(input) {
      if (!isTestCardToken(input.token)) throw new PaymentProviderError("Unknown test_card token");
      if (!Number.isSafeInteger(input.amountCents) || input.amountCents < 1) throw new PaymentProviderError("The amount must be a positive integer");
      const card = TEST_CARDS[input.token];
      const now = nowIso();
      const status = card.outcome === "succeed" ? "succeeded" : card.outcome === "decline" ? "declined" : "pending";
      // One round trip: a new key inserts; a repeated key's no-op update returns the stored charge.
      const [row] = await db
        .insert(paymentCharges)
        .values({
          id: newId("ch"),
          storeId: input.storeId,
          idempotencyKey: input.idempotencyKey,
          token: input.token,
          brand: card.brand,
          last4: card.last4,
          amountCents: input.amountCents,
          currency: input.currency,
          status,
          message: "message" in card ? card.message : null,
          refundedCents: 0,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({ target: [paymentCharges.storeId, paymentCharges.idempotencyKey], set: { updatedAt: sql`${paymentCharges.updatedAt}` } })
        .returning();
      if (!row) throw new PaymentProviderError("The charge was not recorded");
      if (row.amountCents !== input.amountCents || row.currency !== input.currency || row.token !== input.token) {
        throw new PaymentProviderError("This idempotency key was used for another charge");
      }
      return outcomeOf(row);
    },

    async refund(input) {
      const [existing] = await db
        .select()
        .from(paymentRefunds)
        .where(and(eq(paymentRefunds.storeId, input.storeId), eq(paymentRefunds.idempotencyKey, input.idempotencyKey)))
        .limit(1);
      if (existing) {
        if (existing.chargeId !== input.chargeId || existing.amountCents !== input.amountCents) throw new PaymentProviderError("This idempotency key was used for another refund");
        return { status: "refunded", refundId: existing.id };
      }
      const refundId = newId("re");
      try {
        await db.batch([
          db
            .update(paymentCharges)
            .set({ refundedCents: sql`${paymentCharges.refundedCents} + ${input.amountCents}`, updatedAt: nowIso() })
            .where(
              and(
                eq(paymentCharges.id, input.chargeId),
                eq(paymentCharges.storeId, input.storeId),
                eq(paymentCharges.status, "succeeded"),
                sql`${paymentCharges.refundedCents} + ${input.amountCents} <= ${paymentCharges.amountCents}`,
              ),
            ),
          changedOneRow(db),
          db.insert(paymentRefunds).values({ id: refundId, storeId: input.storeId, chargeId: input.chargeId, idempotencyKey: input.idempotencyKey, amountCents: input.amountCents, createdAt: nowIso() }),
        ]);
      } catch (error) {
        if (isBatchGuardFailure(error)) return { status: "refused", message: "The charge is not refundable for this amount" };
        // A concurrent refund with the same key won: answer it.
        const [raced] = await db.select().from(paymentRefunds).where(and(eq(paymentRefunds.storeId, input.storeId), eq(paymentRefunds.idempotencyKey, input.idempotencyKey))).limit(1);
        if (raced) return { status: "refunded", refundId: raced.id };
        throw error;
      }
      return { status: "refunded", refundId };
    },
  };
}
