import { z } from "@hono/zod-openapi";
import { and, eq, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { aesGcmEncrypt, sha256Hex } from "../../shared/crypto";
import { batchable } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId, newSecret } from "../../shared/ids";
import { purposeKey } from "../../shared/keys";
import { addSeconds, nowIso } from "../../shared/time";
import { storeIsLive } from "../stores";
import type { Write } from "../idempotency";
import { liveCustomerExists } from "./customers.service";
import { type EmailDeliveryRow, confirmationTokens, customerEmails, emailDeliveries } from "./customers.tables";

/** Confirmation links work once, for 24 hours. */
export const CONFIRMATION_TTL_SECONDS = 24 * 60 * 60;

/**
 * The email-outbox queue message. It names the delivery only: the token stays in D1 (encrypted),
 * so nothing secret travels through or lingers in the queue or its dead-letter queue.
 */
export const EmailOutboxMessage = z.object({ delivery_id: z.string().regex(/^dlv_[0-9A-Za-z]+$/) });
export type EmailOutboxMessage = z.infer<typeof EmailOutboxMessage>;

/** What the consumer needs to write the email; stored AES-GCM encrypted in `email_deliveries.payload`. */
export const ConfirmationPayload = z.object({ token: z.string(), store_name: z.string() });
export type ConfirmationPayload = z.infer<typeof ConfirmationPayload>;

/** What a fan's verification email says (campaigns module); the token stays encrypted at rest like any payload. */
export const FanVerificationPayload = z.object({ token: z.string(), brand_name: z.string(), discount_name: z.string() });
export type FanVerificationPayload = z.infer<typeof FanVerificationPayload>;

/**
 * An outbox email for someone who is not (yet) a customer: the row to insert in the caller's batch.
 * The caller sends `{ delivery_id }` to the email-outbox queue after its commit; the stranded-delivery
 * sweep sends what that misses.
 */
export async function fanVerificationDelivery(db: Db, signingSecret: string, input: { storeId: string; to: string; payload: FanVerificationPayload }) {
  const now = nowIso();
  const row: EmailDeliveryRow = {
    id: newId("dlv"),
    storeId: input.storeId,
    customerId: null,
    kind: "fan_verification",
    toEmail: input.to,
    status: "queued",
    payload: await aesGcmEncrypt(await purposeKey(signingSecret, "email"), JSON.stringify(input.payload)),
    attempts: 0,
    lastError: null,
    lockedUntil: null,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
  };
  return { row, statement: db.insert(emailDeliveries).values(row) };
}

export function presentDelivery(row: EmailDeliveryRow) {
  return {
    id: row.id,
    customer_id: row.customerId,
    kind: row.kind,
    to: row.toEmail,
    status: row.status,
    attempts: row.attempts,
    last_error: row.lastError,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    delivered_at: row.deliveredAt,
  };
}

export interface ConfirmationDeps {
  outbox: Queue<EmailOutboxMessage>;
  signingSecret: string;
}

/**
 * Issues a confirmation token for the customer's primary email and queues the email. The token
 * and the outbox row are written in one batch; the queue message only carries the delivery id.
 */
export async function requestConfirmation(
  db: Db,
  deps: ConfirmationDeps,
  store: { id: string; name: string },
  customerId: string,
): Promise<Write<EmailDeliveryRow>> {
  const [primary] = await db
    .select()
    .from(customerEmails)
    .where(
      and(
        eq(customerEmails.customerId, customerId),
        eq(customerEmails.storeId, store.id),
        eq(customerEmails.isPrimary, true),
        isNull(customerEmails.deletedAt),
        liveCustomerExists(store.id, customerId),
      ),
    )
    .limit(1);
  if (!primary) throw new ApiError("not_found", "Customer not found");
  if (primary.confirmedAt !== null) throw new ApiError("already_confirmed", "The customer's primary email is already confirmed");

  const now = nowIso();
  const token = newSecret("ect");
  const payload: ConfirmationPayload = { token, store_name: store.name };
  const delivery: EmailDeliveryRow = {
    id: newId("dlv"),
    storeId: store.id,
    customerId,
    kind: "customer_confirmation",
    toEmail: primary.email,
    status: "queued",
    payload: await aesGcmEncrypt(await purposeKey(deps.signingSecret, "email"), JSON.stringify(payload)),
    attempts: 0,
    lastError: null,
    lockedUntil: null,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
  };
  const tokenHash = await sha256Hex(token);
  return {
    statements: [
      db.insert(confirmationTokens).values({
        id: newId("ctk"),
        storeId: store.id,
        customerId,
        emailId: primary.id,
        tokenHash,
        createdAt: now,
        expiresAt: addSeconds(now, CONFIRMATION_TTL_SECONDS),
        usedAt: null,
      }),
      db.insert(emailDeliveries).values(delivery),
    ],
    result: delivery,
    // The delivery row is the outbox: a send lost here is repeated by the stranded-delivery sweep.
    afterCommit: () => deps.outbox.send({ delivery_id: delivery.id }),
  };
}

/** Deliveries never attempted a minute after they were written: re-sent (the consumer claims each once). */
export async function resendStrandedDeliveries(db: Db, outbox: Queue<EmailOutboxMessage>, now = nowIso()): Promise<number> {
  const rows = await db
    .select({ id: emailDeliveries.id })
    .from(emailDeliveries)
    .where(and(eq(emailDeliveries.status, "queued"), eq(emailDeliveries.attempts, 0), lt(emailDeliveries.createdAt, addSeconds(now, -60))))
    .limit(100);
  if (rows.length > 0) await outbox.sendBatch(rows.map((r) => ({ body: { delivery_id: r.id } })));
  return rows.length;
}

export async function getEmailDelivery(db: Db, storeId: string, deliveryId: string): Promise<EmailDeliveryRow> {
  const [row] = await db
    .select()
    .from(emailDeliveries)
    .where(and(eq(emailDeliveries.id, deliveryId), eq(emailDeliveries.storeId, storeId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", "Email delivery not found");
  return row;
}

/**
 * Consumes a confirmation token exactly once. All three statements carry the same "token is
 * valid" condition and run in one batch: the email is confirmed, the customer's `confirmed_at` is
 * re-derived from its primary email, and the token is marked used; a second use (even concurrent)
 * finds `used_at` set and changes nothing. Unknown, used and expired tokens are one 400.
 */
export async function confirmEmail(db: Db, token: string) {
  if (!TOKEN_FORMAT.test(token)) throw invalidToken();
  const hash = await sha256Hex(token);
  const now = nowIso();
  const valid = (t: string) => usableToken(t, hash, now);
  const [confirmed, , used] = await db.batch([
    batchable(
      db.$client,
      db.all<{ email: string; confirmed_at: string }>(sql`
        UPDATE customer_emails SET confirmed_at = COALESCE(confirmed_at, ${now})
        WHERE id = (SELECT t.email_id FROM confirmation_tokens t WHERE ${valid("t")})
        RETURNING email, confirmed_at`),
    ),
    batchable(
      db.$client,
      db.run(sql`
        UPDATE customers SET
          confirmed_at = (SELECT e.confirmed_at FROM customer_emails e WHERE e.customer_id = customers.id AND e.is_primary = 1 AND e.deleted_at IS NULL),
          updated_at = ${now}, version = version + 1
        WHERE id = (SELECT t.customer_id FROM confirmation_tokens t WHERE ${valid("t")})`),
    ),
    batchable(
      db.$client,
      db.all<{ customer_id: string; store_id: string }>(sql`
        UPDATE confirmation_tokens SET used_at = ${now}
        WHERE ${valid("confirmation_tokens")}
        RETURNING customer_id, store_id`),
    ),
  ]);
  const email = confirmed[0];
  const owner = used[0];
  if (!email || !owner) throw invalidToken();
  return { customerId: owner.customer_id, storeId: owner.store_id, email: email.email, confirmedAt: email.confirmed_at };
}

const TOKEN_FORMAT = /^ect_[0-9A-Za-z]{32}$/;

/** A token row (aliased `t`) that is unused, unexpired, and whose email, customer and store are live. */
function usableToken(t: string, hash: string, now: string) {
  return sql`${sql.raw(t)}.token_hash = ${hash} AND ${sql.raw(t)}.used_at IS NULL AND ${sql.raw(t)}.expires_at > ${now}
    AND EXISTS (SELECT 1 FROM customer_emails e JOIN customers c ON c.id = e.customer_id
                WHERE e.id = ${sql.raw(t)}.email_id AND e.deleted_at IS NULL AND c.deleted_at IS NULL)
    AND ${storeIsLive(sql.raw(`${t}.store_id`))}`;
}

function invalidToken(): ApiError {
  return new ApiError("invalid_token", "This confirmation link is invalid, has expired or was already used");
}
