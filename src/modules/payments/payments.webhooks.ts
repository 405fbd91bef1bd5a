import { Webhook } from "standardwebhooks";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { deriveKeyBytes } from "../../shared/crypto";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { type SecretSource, acceptedSecrets, currentSecret } from "../../shared/keys";
import { nowIso } from "../../shared/time";
import { type Write, commit } from "../idempotency";
import type { EventMessage } from "../events";

/**
 * The store's `test_card` webhook secret (`whsec_` + base64 of 32 bytes), derived from the Worker's
 * SIGNING_SECRET and the store id: nothing to store, and it rotates with SIGNING_SECRET (the previous
 * secret's derivation is still accepted during the overlap).
 */
export async function paymentWebhookSecret(secret: string, storeId: string): Promise<string> {
  const bytes = await deriveKeyBytes(secret, `payment-webhook:${storeId}`);
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export function currentPaymentWebhookSecret(source: SecretSource, storeId: string): Promise<string> {
  return paymentWebhookSecret(currentSecret(source), storeId);
}

export interface PaymentWebhookBody {
  type: "charge.succeeded" | "charge.failed";
  data: { store_id: string; charge_id: string; message?: string | undefined };
}

const unauthenticated = () => new ApiError("unauthenticated", "The webhook signature or timestamp is invalid");

/**
 * Verifies a Standard Webhooks delivery (signature over id, timestamp and the raw body; timestamps
 * more than 5 minutes away are refused) with the secret of the store the body names. The body is
 * parsed only to learn which secret to try; nothing in it is trusted before the signature holds.
 */
export async function verifyPaymentWebhook(source: SecretSource, raw: string, headers: Record<string, string>): Promise<PaymentWebhookBody> {
  let claimed: PaymentWebhookBody;
  try {
    claimed = JSON.parse(raw) as PaymentWebhookBody;
  } catch {
    throw unauthenticated();
  }
  const storeId = claimed?.data?.store_id;
  if (typeof storeId !== "string" || storeId.length > 64) throw unauthenticated();
  for (const secret of acceptedSecrets(source)) {
    try {
      return new Webhook(await paymentWebhookSecret(secret, storeId)).verify(raw, headers) as PaymentWebhookBody;
    } catch {
      // Try the previous secret during a rotation.
    }
  }
  throw unauthenticated();
}

/**
 * Settles a pending charge: one guarded UPDATE (only from `pending`) with its `payment.succeeded` or
 * `payment.failed` event. A replay, or a webhook racing another, finds it settled and changes nothing.
 */
export async function settleCharge(db: Db, events: Queue<EventMessage>, body: PaymentWebhookBody): Promise<{ changed: boolean }> {
  const status = body.type === "charge.succeeded" ? "succeeded" : "failed";
  const now = nowIso();
  const write: Write<null> = {
    statements: [
      batchable(
        db.$client,
        db.run(sql`UPDATE payment_charges SET status = ${status}, message = ${body.data.message ?? null}, updated_at = ${now}
          WHERE id = ${body.data.charge_id} AND store_id = ${body.data.store_id} AND status = 'pending'`),
      ),
      changedOneRow(db),
    ],
    events: [
      {
        type: status === "succeeded" ? "payment.succeeded" : "payment.failed",
        resource_type: "payment",
        resource_id: body.data.charge_id,
        data: { charge_id: body.data.charge_id, provider: "test_card", message: body.data.message ?? null },
      },
    ],
    result: null,
  };
  try {
    await commit(db, write, { storeId: body.data.store_id, events });
    return { changed: true };
  } catch (error) {
    if (isBatchGuardFailure(error)) return { changed: false };
    throw error;
  }
}

