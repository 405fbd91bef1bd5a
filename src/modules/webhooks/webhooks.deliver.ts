import { z } from "@hono/zod-openapi";
import { and, eq, inArray, isNull, lt, ne, sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { Bindings } from "../../context";
import { type Db, createDb } from "../../db/client";
import { events } from "../../db/schema";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { nowIso } from "../../shared/time";
import { defineConsumer } from "../../shared/queue-consumer";
import { type EventHandler, type EventMessage, presentEvent } from "../events";
import { commit } from "../idempotency";
import { allowLoopback, signingSecrets } from "./webhooks.service";
import { webhookUrlProblem } from "./webhooks.urls";
import { type WebhookEndpointRow, webhookDeliveries, webhookEndpoints } from "./webhooks.tables";

export const DeliveryMessage = z.object({ delivery_id: z.string().min(1) });
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

/** Attempts per delivery, spread over about a day by `deliveryBackoffSeconds`. */
export const MAX_DELIVERY_ATTEMPTS = 8;
/** Queues delay a retry by at most 12 hours. */
const MAX_DELAY_SECONDS = 43_200;
const RESPONSE_BODY_CHARS = 1_024;

/**
 * Delay before attempt `attempt + 1`: base × 4^(attempt-1), capped at 12 h, ±20 % jitter, and never
 * shorter than the receiver's Retry-After. With the default 60 s base: 1 min, 4 min, 16 min, 64 min,
 * 4.3 h, 12 h, 12 h, so the 8th attempt comes about 30 hours after the first.
 */
export function deliveryBackoffSeconds(attempt: number, baseSeconds: number, retryAfterSeconds: number | null, random = Math.random): number {
  const plain = Math.min(MAX_DELAY_SECONDS, baseSeconds * 4 ** Math.max(0, attempt - 1));
  const jittered = Math.round(plain * (0.8 + 0.4 * random()));
  return Math.min(MAX_DELAY_SECONDS, Math.max(jittered, retryAfterSeconds ?? 0));
}

const setting = (value: string | undefined, fallback: number) => (value !== undefined && value !== "" && Number.isFinite(Number(value)) ? Number(value) : fallback);

/** Bus handler (every event type): one pending delivery per matching enabled endpoint, applied once per event. */
export const fanOutWebhooks: EventHandler = {
  name: "webhooks.fan_out",
  /** Only events of stores with an enabled endpoint: one read per message batch, so the rest cost nothing. */
  async relevant(list, { db }) {
    const stores = [...new Set(list.map((e) => e.store_id))];
    const withEndpoints = new Set<string>();
    for (let i = 0; i < stores.length; i += 90) {
      const rows = await db
        .selectDistinct({ storeId: webhookEndpoints.storeId })
        .from(webhookEndpoints)
        .where(and(inArray(webhookEndpoints.storeId, stores.slice(i, i + 90)), eq(webhookEndpoints.enabled, true), isNull(webhookEndpoints.deletedAt)));
      for (const row of rows) withEndpoints.add(row.storeId);
    }
    return new Set(list.filter((e) => withEndpoints.has(e.store_id) && e.type !== "webhook.test").map((e) => e.id));
  },
  async handle(event, { db }) {
    if (event.type === "webhook.test") return []; // a test event goes to its one endpoint only
    const now = nowIso();
    return [
      batchable(
        db.$client,
        db.run(sql`INSERT INTO webhook_deliveries (id, store_id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
          SELECT 'whd_' || lower(hex(randomblob(11))), store_id, id, ${event.id}, ${event.type}, 'pending', 0, ${now}, ${now}, ${now}
          FROM webhook_endpoints
          WHERE store_id = ${event.store_id} AND enabled = 1 AND deleted_at IS NULL
            AND (event_types = '["*"]' OR EXISTS (SELECT 1 FROM json_each(event_types) WHERE value = ${event.type}))
          ON CONFLICT DO NOTHING`),
      ),
    ];
  },
  async after(applied, { db, env }) {
    await enqueueNew(db, env, applied.map((e) => e.id));
  },
};

/**
 * Sends these events' not-yet-attempted deliveries to the queue: one indexed read per 90 events
 * (the cron sweep catches what this misses).
 */
export async function enqueueNew(db: Db, env: Pick<Bindings, "WEBHOOK_DELIVERIES">, eventIds: readonly string[]) {
  for (let i = 0; i < eventIds.length; i += 90) {
    const rows = await db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(inArray(webhookDeliveries.eventId, eventIds.slice(i, i + 90)), eq(webhookDeliveries.status, "pending"), eq(webhookDeliveries.attempts, 0)));
    for (let j = 0; j < rows.length; j += 100) {
      await env.WEBHOOK_DELIVERIES.sendBatch(rows.slice(j, j + 100).map((r) => ({ body: { delivery_id: r.id }, contentType: "json" as const })));
    }
  }
}

/** Cron: pending deliveries whose attempt is 5 minutes overdue (a lost message) are sent again. */
export async function requeueStuckDeliveries(env: Pick<Bindings, "DB" | "WEBHOOK_DELIVERIES">, now = new Date(), limit = 100): Promise<{ requeued: number }> {
  const db = createDb(env.DB);
  const cutoff = new Date(now.getTime() - 5 * 60_000).toISOString();
  const stuck = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, "pending"), lt(webhookDeliveries.nextAttemptAt, cutoff)))
    .limit(limit);
  if (stuck.length === 0) return { requeued: 0 };
  const next = new Date(now.getTime() + 5 * 60_000).toISOString();
  for (const { id } of stuck) await db.update(webhookDeliveries).set({ nextAttemptAt: next }).where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending")));
  await env.WEBHOOK_DELIVERIES.sendBatch(stuck.map((r) => ({ body: { delivery_id: r.id }, contentType: "json" as const })));
  return { requeued: stuck.length };
}

type AttemptResult = { retryInSeconds: number } | null;

/** One attempt of one delivery, outside any request: sign, POST with a timeout, record, decide. */
export async function attemptDelivery(db: Db, env: Bindings, deliveryId: string): Promise<AttemptResult> {
  const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId)).limit(1);
  if (!delivery || delivery.status !== "pending") return null;
  const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, delivery.endpointId)).limit(1);
  const [event] = await db.select().from(events).where(and(eq(events.id, delivery.eventId), eq(events.storeId, delivery.storeId))).limit(1);
  const attempt = delivery.attempts + 1;
  const finish = (values: Partial<typeof webhookDeliveries.$inferInsert>) =>
    db
      .update(webhookDeliveries)
      .set({ ...values, attempts: attempt, updatedAt: nowIso() })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.attempts, delivery.attempts), eq(webhookDeliveries.status, "pending")));
  if (!endpoint || endpoint.deletedAt || !endpoint.enabled) {
    await finish({ status: "failed", lastError: "The endpoint is disabled or deleted" });
    return null;
  }
  if (!event) {
    await finish({ status: "failed", lastError: "The event is no longer in the event log" });
    return null;
  }
  const problem = webhookUrlProblem(endpoint.url, allowLoopback(env));
  if (problem) {
    await finish({ status: "failed", lastError: `Refused: ${problem}` });
    await recordFailure(db, env, endpoint);
    return null;
  }
  const view = presentEvent(event);
  const payload = JSON.stringify({ id: view.id, type: view.type, created_at: view.created_at, resource: { type: view.resource_type, id: view.resource_id, version: view.resource_version }, data: view.data });
  const timestamp = new Date();
  const signature = (await signingSecrets(env, endpoint)).map((secret) => new Webhook(secret).sign(event.id, timestamp, payload)).join(" ");
  const started = Date.now();
  let status: number | null = null;
  let body: string | null = null;
  let error: string | null = null;
  let retryAfter: number | null = null;
  try {
    const response = await fetch(endpoint.url, {
      method: "POST",
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(setting(env.WEBHOOK_TIMEOUT_MS, 10_000)),
      headers: {
        "content-type": "application/json",
        "user-agent": "edgeshop-webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": signature,
        "webhook-attempt": String(attempt),
      },
    });
    status = response.status;
    body = (await response.text()).slice(0, RESPONSE_BODY_CHARS);
    const header = Number(response.headers.get("retry-after"));
    retryAfter = Number.isFinite(header) && header > 0 ? header : null;
  } catch (caught) {
    error = caught instanceof Error && (caught.name === "TimeoutError" || caught.name === "AbortError") ? "Timed out" : "Network error";
  }
  const latencyMs = Date.now() - started;
  const record = { responseStatus: status, responseBody: body, latencyMs, lastError: error ?? (status !== null && (status < 200 || status >= 300) ? `HTTP ${status}` : null) };
  if (status !== null && status >= 200 && status < 300) {
    await finish({ ...record, status: "succeeded", deliveredAt: nowIso(), nextAttemptAt: null });
    await db.update(webhookEndpoints).set({ consecutiveFailures: 0, failingSince: null }).where(eq(webhookEndpoints.id, endpoint.id));
    return null;
  }
  const retryable = status === null || status >= 500 || status === 429 || status === 408;
  if (retryable && attempt < MAX_DELIVERY_ATTEMPTS) {
    const delay = deliveryBackoffSeconds(attempt, setting(env.WEBHOOK_RETRY_BASE_SECONDS, 60), retryAfter);
    await finish({ ...record, nextAttemptAt: new Date(Date.now() + delay * 1000).toISOString() });
    return { retryInSeconds: delay };
  }
  await finish({ ...record, status: "failed", nextAttemptAt: null });
  await recordFailure(db, env, endpoint);
  return null;
}

/**
 * A delivery failed for good: the endpoint's run of consecutive failures grows; past the configured
 * count, and once it has been failing for the configured time, it is disabled with an event.
 */
export async function recordFailure(db: Db, env: Bindings, endpoint: WebhookEndpointRow): Promise<void> {
  const now = nowIso();
  await db
    .update(webhookEndpoints)
    .set({ consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`, failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})` })
    .where(eq(webhookEndpoints.id, endpoint.id));
  const threshold = setting(env.WEBHOOK_DISABLE_AFTER_FAILURES, 20);
  const since = new Date(Date.now() - setting(env.WEBHOOK_DISABLE_AFTER_SECONDS, 86_400) * 1000).toISOString();
  const reason = `${threshold} or more consecutive deliveries failed`;
  try {
    await commit(
      db,
      {
        statements: [
          batchable(
            db.$client,
            db.run(sql`UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ${reason}, version = version + 1, updated_at = ${now}
              WHERE id = ${endpoint.id} AND enabled = 1 AND consecutive_failures >= ${threshold} AND failing_since <= ${since}`),
          ),
          changedOneRow(db),
        ],
        events: [{ type: "webhook_endpoint.disabled", resource_type: "webhook_endpoint", resource_id: endpoint.id, data: { webhook_endpoint_id: endpoint.id, url: endpoint.url, reason } }],
        result: null,
      },
      { storeId: endpoint.storeId, events: env.EVENTS as Queue<EventMessage> },
    );
  } catch (error) {
    if (!isBatchGuardFailure(error)) throw error; // not (yet) past the threshold
  }
}

/** `webhook-deliveries` consumer: one attempt per message; a retryable failure comes back after its backoff. */
export const consumeWebhookDeliveries = defineConsumer<DeliveryMessage, Bindings>({
  schema: DeliveryMessage,
  async handle(messages, env) {
    const db = createDb(env.DB);
    const retry = new Map<string, number>();
    await Promise.all(
      messages.map(async (message) => {
        const result = await attemptDelivery(db, env, message.body.delivery_id);
        if (result) retry.set(message.id, result.retryInSeconds);
      }),
    );
    return retry;
  },
});

/** `webhook-deliveries-dlq`: a message that exhausted the queue's retries marks its delivery failed. */
export const finishDeadDeliveries = defineConsumer<DeliveryMessage, Bindings>({
  schema: DeliveryMessage,
  async handle(messages, env) {
    const db = createDb(env.DB);
    for (const { body } of messages) {
      await db
        .update(webhookDeliveries)
        .set({ status: "failed", lastError: "Gave up after the queue's last retry", updatedAt: nowIso() })
        .where(and(eq(webhookDeliveries.id, body.delivery_id), eq(webhookDeliveries.status, "pending")));
    }
  },
});

/** Delivery records are kept as long as the events they carried (30 days), then purged by the hourly cron. */
export async function purgeOldDeliveries(env: Pick<Bindings, "DB">, now = new Date()): Promise<{ purged: number }> {
  const db = createDb(env.DB);
  const cutoff = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  const result = await db.delete(webhookDeliveries).where(and(ne(webhookDeliveries.status, "pending"), lt(webhookDeliveries.createdAt, cutoff))).run();
  return { purged: result.meta.changes ?? 0 };
}
