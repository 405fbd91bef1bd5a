import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import { type Db, createDb } from "../../db/client";
import { decryptWithRotation } from "../../shared/keys";
import { defineConsumer } from "../../shared/queue-consumer";
import { addSeconds, nowIso } from "../../shared/time";
import { ConfirmationPayload, EmailOutboxMessage, FanVerificationPayload } from "./customers.confirmation";
import { type EmailDeliveryRow, emailDeliveries } from "./customers.tables";

/** Attempts per message: 1 + wrangler.toml `max_retries` (5) for the email-outbox consumer. */
export const EMAIL_MAX_ATTEMPTS = 6;
/** How long one consumer owns a delivery before another may take it over. */
const CLAIM_SECONDS = 60;
const PROVIDER_TIMEOUT_MS = 10_000;

/** Exponential backoff between attempts: 30 s, 60 s, 120 s ... capped at one hour. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempt - 1), 3600);
}

export type DeliveryOutcome = { kind: "done" } | { kind: "retry"; delaySeconds: number };

interface Email {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function confirmationEmail(env: Bindings, to: string, payload: ConfirmationPayload): Email {
  const base = (env.PUBLIC_BASE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  // The token rides in the fragment, which browsers never send: it stays out of every request log.
  const link = `${base}/v1/confirm#${payload.token}`;
  const subject = `Confirm your email for ${payload.store_name}`;
  const text = `Please confirm your email address for ${payload.store_name}:\n\n${link}\n\nThe link works once and expires in 24 hours. If you did not sign up, ignore this email.`;
  const html = `<p>Please confirm your email address for ${escapeHtml(payload.store_name)}:</p><p><a href="${escapeHtml(link)}">Confirm my email</a></p><p>The link works once and expires in 24 hours. If you did not sign up, ignore this email.</p>`;
  return { from: env.EMAIL_FROM ?? "no-reply@edgeshop.dev", to, subject, text, html };
}

/** Fans verify by opening the link (a page with a button: link scanners only GET) and pressing it. */
function fanVerificationEmail(env: Bindings, to: string, payload: FanVerificationPayload): Email {
  const base = (env.PUBLIC_BASE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  const link = `${base}/v1/fans/verify/${payload.token}`;
  const subject = `Confirm your email to get your ${payload.brand_name} code`;
  const text = `Please confirm your email address to receive your code for "${payload.discount_name}" from ${payload.brand_name}:\n\n${link}\n\nThe link works once and expires in 7 days. If you did not sign up, ignore this email.`;
  const html = `<p>Please confirm your email address to receive your code for &quot;${escapeHtml(payload.discount_name)}&quot; from ${escapeHtml(payload.brand_name)}:</p><p><a href="${escapeHtml(link)}">Confirm my email</a></p><p>The link works once and expires in 7 days. If you did not sign up, ignore this email.</p>`;
  return { from: env.EMAIL_FROM ?? "no-reply@edgeshop.dev", to, subject, text, html };
}

function compose(env: Bindings, row: EmailDeliveryRow, plaintext: string): Email {
  const json = JSON.parse(plaintext) as unknown;
  return row.kind === "fan_verification" ? fanVerificationEmail(env, row.toEmail, FanVerificationPayload.parse(json)) : confirmationEmail(env, row.toEmail, ConfirmationPayload.parse(json));
}

function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  return `${local.slice(0, 1)}***@${domain}`;
}

/** Takes the delivery if it is waiting (or its previous owner's claim ran out). */
async function claim(db: Db, deliveryId: string, now: string): Promise<EmailDeliveryRow | undefined> {
  const [row] = await db
    .update(emailDeliveries)
    .set({ status: "sending", attempts: sql`${emailDeliveries.attempts} + 1`, lockedUntil: addSeconds(now, CLAIM_SECONDS), updatedAt: now })
    .where(
      and(
        eq(emailDeliveries.id, deliveryId),
        or(eq(emailDeliveries.status, "queued"), and(eq(emailDeliveries.status, "sending"), lt(emailDeliveries.lockedUntil, now))),
      ),
    )
    .returning();
  return row;
}

async function finish(db: Db, id: string, status: "sent" | "logged" | "failed", lastError: string | null) {
  const now = nowIso();
  await db
    .update(emailDeliveries)
    .set({ status, payload: null, lastError, lockedUntil: null, updatedAt: now, deliveredAt: status === "failed" ? null : now })
    .where(eq(emailDeliveries.id, id));
}

/**
 * Delivers one outbox email. Idempotent: a delivery already sent, logged or failed is not sent again
 * (messages are at-least-once), and a delivery being sent by another consumer is retried later.
 */
export async function deliverEmail(db: Db, env: Bindings, deliveryId: string, attempt: number): Promise<DeliveryOutcome> {
  const row = await claim(db, deliveryId, nowIso());
  if (!row) {
    const [current] = await db.select({ status: emailDeliveries.status }).from(emailDeliveries).where(eq(emailDeliveries.id, deliveryId));
    return current?.status === "sending" ? { kind: "retry", delaySeconds: CLAIM_SECONDS } : { kind: "done" };
  }
  try {
    return await send(db, env, row, attempt);
  } catch (err) {
    // Whatever threw (an undecryptable payload, a storage error), the claim is not left to time out:
    // the last attempt finishes the row as failed and erases its payload, earlier ones give it back.
    const error = `Processing failed: ${err instanceof Error ? err.name : "error"}`;
    if (attempt >= EMAIL_MAX_ATTEMPTS) await finish(db, row.id, "failed", error);
    else await release(db, row.id, error);
    throw err;
  }
}

async function release(db: Db, id: string, lastError: string) {
  await db
    .update(emailDeliveries)
    .set({ status: "queued", lastError, lockedUntil: null, updatedAt: nowIso() })
    .where(and(eq(emailDeliveries.id, id), eq(emailDeliveries.status, "sending")));
}

async function send(db: Db, env: Bindings, row: EmailDeliveryRow, attempt: number): Promise<DeliveryOutcome> {
  if (row.payload === null) {
    await finish(db, row.id, "failed", "The email content is gone");
    return { kind: "done" };
  }
  const email = compose(env, row, await decryptWithRotation(env, "email", row.payload));

  if (!env.EMAIL_PROVIDER_URL) {
    // No provider configured. In local development (EMAIL_LOG_LINKS=true) the link is logged in full:
    // that is how a developer gets it. Anywhere else the log line never carries the token.
    const local = env.EMAIL_LOG_LINKS === "true";
    console.log(
      JSON.stringify({
        level: "info",
        message: "email not sent: EMAIL_PROVIDER_URL is not configured",
        delivery_id: row.id,
        to: local ? email.to : maskEmail(email.to),
        subject: email.subject,
        ...(local ? { text: email.text } : {}),
      }),
    );
    await finish(db, row.id, "logged", null);
    return { kind: "done" };
  }

  let error: string;
  try {
    const response = await fetch(env.EMAIL_PROVIDER_URL, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": row.id,
        ...(env.EMAIL_PROVIDER_TOKEN ? { Authorization: `Bearer ${env.EMAIL_PROVIDER_TOKEN}` } : {}),
      },
      body: JSON.stringify(email),
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
    if (response.ok) {
      await finish(db, row.id, "sent", null);
      return { kind: "done" };
    }
    error = `Provider answered ${response.status}`;
  } catch (err) {
    error = `Provider unreachable: ${err instanceof Error ? err.name : "error"}`;
  }
  if (attempt >= EMAIL_MAX_ATTEMPTS) {
    await finish(db, row.id, "failed", error);
    // Retrying the last attempt hands the message to the dead-letter queue for operators.
    return { kind: "retry", delaySeconds: 0 };
  }
  await release(db, row.id, error);
  return { kind: "retry", delaySeconds: retryDelaySeconds(attempt) };
}

/** Queue consumer for `email-outbox`: each message is acked or retried on its own. */
export const consumeEmailOutbox = defineConsumer<EmailOutboxMessage, Bindings>({
  schema: EmailOutboxMessage,
  async handle(messages, env) {
    const db = createDb(env.DB);
    const retry = new Map<string, number>();
    for (const { id, attempts, body } of messages) {
      try {
        const outcome = await deliverEmail(db, env, body.delivery_id, attempts);
        if (outcome.kind === "retry") retry.set(id, outcome.delaySeconds);
      } catch (err) {
        console.error(
          JSON.stringify({ level: "error", message: "email delivery crashed", delivery_id: body.delivery_id, error: err instanceof Error ? err.name : "Error" }),
        );
        retry.set(id, retryDelaySeconds(attempts));
      }
    }
    return retry;
  },
});

/**
 * Queue consumer for `email-outbox-dlq`: a message lands here when every attempt failed, so its
 * delivery is finished as failed with the payload (and the token in it) erased: the failed row is
 * the visible dead letter (`GET /v1/email-deliveries/{id}`). A delivery another consumer is still
 * sending is retried until its claim ends; finished ones are left as they are.
 */
export const finishDeadEmails = defineConsumer<EmailOutboxMessage, Bindings>({
  schema: EmailOutboxMessage,
  async handle(messages, env) {
    const db = createDb(env.DB);
    const retry = new Map<string, number>();
    for (const { id: messageId, attempts, body } of messages) {
      const id = body.delivery_id;
      try {
        const now = nowIso();
        const [failed] = await db
          .update(emailDeliveries)
          .set({
            status: "failed",
            payload: null,
            lockedUntil: null,
            updatedAt: now,
            lastError: sql`COALESCE(${emailDeliveries.lastError} || ' ', '') || '(dead-lettered)'`,
          })
          .where(
            and(
              eq(emailDeliveries.id, id),
              or(
                eq(emailDeliveries.status, "queued"),
                and(eq(emailDeliveries.status, "sending"), or(isNull(emailDeliveries.lockedUntil), lt(emailDeliveries.lockedUntil, now))),
              ),
            ),
          )
          .returning({ id: emailDeliveries.id });
        if (failed) {
          console.error(JSON.stringify({ level: "error", message: "email delivery dead-lettered", delivery_id: id, attempts }));
          continue;
        }
        const [current] = await db.select({ status: emailDeliveries.status }).from(emailDeliveries).where(eq(emailDeliveries.id, id));
        if (current?.status === "sending") retry.set(messageId, CLAIM_SECONDS);
      } catch {
        retry.set(messageId, CLAIM_SECONDS);
      }
    }
    return retry;
  },
});
