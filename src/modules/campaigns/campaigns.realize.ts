import { z } from "@hono/zod-openapi";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { Bindings } from "../../context";
import { type Db, createDb } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { paginate } from "../../shared/pagination";
import { defineConsumer } from "../../shared/queue-consumer";
import { addSeconds, nowIso } from "../../shared/time";
import type { EventDraft } from "../events";
import { commit } from "../idempotency";
import { allowLoopback, deliveryBackoffSeconds, signingSecrets, webhookUrlProblem } from "../webhooks";
import { openCode, presentCoupon } from "./campaigns.present";
import { type BrandDiscountRow, type BrandRow, type CampaignCouponRow, type FanRow, brandDiscounts, brands, campaignCoupons, fans } from "./campaigns.tables";

export const RealizationMessage = z.object({ coupon_id: z.string().regex(/^fcp_[0-9A-Za-z]+$/) });
export type RealizationMessage = z.infer<typeof RealizationMessage>;

const RESPONSE_ERROR_CHARS = 200;
const setting = (value: string | undefined, fallback: number) => (value !== undefined && value !== "" && Number.isFinite(Number(value)) ? Number(value) : fallback);
const timeoutMs = (env: Bindings) => setting(env.COUPON_REALIZER_TIMEOUT_MS, 10_000);

type Outcome = { retryInSeconds: number } | null;

/**
 * Takes the coupon for one attempt unless another consumer holds it (its claim lasts the timeout plus
 * 30 s), and reads what the realizer needs, side by side.
 */
async function claim(db: Db, env: Bindings, couponId: string, now: string) {
  const [claimed, context] = await Promise.all([
    db
      .update(campaignCoupons)
      .set({ attempts: sql`${campaignCoupons.attempts} + 1`, lockedUntil: addSeconds(now, Math.ceil(timeoutMs(env) / 1000) + 30), updatedAt: now })
      .where(and(eq(campaignCoupons.id, couponId), eq(campaignCoupons.status, "pending"), or(isNull(campaignCoupons.lockedUntil), lt(campaignCoupons.lockedUntil, now))))
      .returning(),
    db
      .select({ fan: fans, discount: brandDiscounts, brand: brands })
      .from(campaignCoupons)
      .innerJoin(fans, eq(fans.id, campaignCoupons.fanId))
      .innerJoin(brandDiscounts, eq(brandDiscounts.id, fans.discountId))
      .innerJoin(brands, eq(brands.id, fans.brandId))
      .where(eq(campaignCoupons.id, couponId))
      .limit(1),
  ]);
  return { row: claimed[0], context: context[0] };
}

/** Ends a coupon as realized or failed, with its event, once (guarded on `pending`). */
async function finish(db: Db, env: Bindings, row: CampaignCouponRow, status: "realized" | "failed", values: { lastResponseStatus: number | null; lastError: string | null; deadLettered?: boolean }) {
  const now = nowIso();
  const events: EventDraft[] = [
    {
      type: status === "realized" ? "campaign_coupon.realized" : "campaign_coupon.failed",
      resource_type: "campaign_coupon",
      resource_id: row.id,
      data: { coupon_id: row.id, brand_id: row.brandId, discount_id: row.discountId, fan_id: row.fanId, attempts: row.attempts, last_error: values.lastError },
    },
  ];
  const update = sql`UPDATE campaign_coupons SET status = ${status}, last_response_status = ${values.lastResponseStatus}, last_error = ${values.lastError},
      locked_until = NULL, next_attempt_at = NULL, updated_at = ${now},
      realized_at = ${status === "realized" ? now : null}, failed_at = ${status === "failed" ? now : null},
      dead_lettered_at = ${values.deadLettered ? now : null}
    WHERE id = ${row.id} AND status = 'pending'`;
  try {
    await commit(db, { statements: [batchable(db.$client, db.run(update)), changedOneRow(db)], events, result: null }, { storeId: row.storeId, events: env.EVENTS });
  } catch (error) {
    if (!isBatchGuardFailure(error)) throw error; // already finished by another attempt
  }
}

/** The body the brand's realizer receives: everything its shop system needs to create the coupon. */
async function realizationBody(env: Bindings, row: CampaignCouponRow, context: { fan: FanRow; discount: BrandDiscountRow; brand: BrandRow }) {
  const { fan, discount, brand } = context;
  return {
    coupon_id: row.id,
    brand_id: brand.id,
    discount_id: discount.id,
    fan_name: fan.name,
    email: fan.email,
    social_handle: fan.socialHandle,
    code: await openCode(env, row),
    discount_name: discount.name,
    description: discount.description,
    type: discount.type,
    amount: discount.amount,
    currency: discount.currency,
    usage_limit: discount.usageLimit,
    free_shipping: discount.freeShipping,
    starts_at: discount.startsAt,
    expires_at: discount.expiresAt,
    last_valid_day: new Date(Date.parse(discount.expiresAt) - 1).toISOString().slice(0, 10),
  };
}

/**
 * One attempt to realize one coupon, outside any request: sign (Standard Webhooks, `webhook-id` =
 * the coupon id on every attempt), POST with a timeout, record, decide. 2xx realizes; 4xx other than
 * 408/429 fails at once; 5xx, 408, 429 (honouring Retry-After), timeouts and network errors retry.
 */
export async function attemptRealization(db: Db, env: Bindings, couponId: string): Promise<Outcome> {
  const now = nowIso();
  const { row, context } = await claim(db, env, couponId, now);
  if (!row) {
    const [current] = await db.select({ status: campaignCoupons.status, lockedUntil: campaignCoupons.lockedUntil }).from(campaignCoupons).where(eq(campaignCoupons.id, couponId)).limit(1);
    if (current?.status !== "pending") return null;
    return { retryInSeconds: Math.max(1, Math.ceil((Date.parse(current.lockedUntil ?? now) - Date.now()) / 1000)) };
  }
  if (!context || context.brand.deletedAt) {
    await finish(db, env, row, "failed", { lastResponseStatus: null, lastError: "The brand was deleted" });
    return null;
  }
  const problem = webhookUrlProblem(context.brand.realizerUrl, allowLoopback(env));
  if (problem) {
    await finish(db, env, row, "failed", { lastResponseStatus: null, lastError: `Refused: ${problem}` });
    return null;
  }
  const payload = JSON.stringify(await realizationBody(env, row, context));
  const timestamp = new Date();
  const signature = (await signingSecrets(env, context.brand)).map((secret) => new Webhook(secret).sign(row.id, timestamp, payload)).join(" ");
  let status: number | null = null;
  let error: string | null = null;
  let retryAfter: number | null = null;
  try {
    const response = await fetch(context.brand.realizerUrl, {
      method: "POST",
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs(env)),
      headers: {
        "content-type": "application/json",
        "user-agent": "edgeshop-coupons/1",
        "webhook-id": row.id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": signature,
        "webhook-attempt": String(row.attempts),
      },
    });
    status = response.status;
    const text = (await response.text()).slice(0, RESPONSE_ERROR_CHARS);
    if (status < 200 || status >= 300) error = `HTTP ${status}${text ? `: ${text}` : ""}`;
    const header = Number(response.headers.get("retry-after"));
    retryAfter = Number.isFinite(header) && header > 0 ? header : null;
  } catch (caught) {
    error = caught instanceof Error && (caught.name === "TimeoutError" || caught.name === "AbortError") ? `Timed out after ${timeoutMs(env)} ms` : "Network error";
  }
  if (status !== null && status >= 200 && status < 300) {
    await finish(db, env, row, "realized", { lastResponseStatus: status, lastError: null });
    return null;
  }
  const retryable = status === null || status >= 500 || status === 429 || status === 408;
  if (!retryable) {
    await finish(db, env, row, "failed", { lastResponseStatus: status, lastError: error });
    return null;
  }
  const delay = deliveryBackoffSeconds(row.attempts, setting(env.COUPON_RETRY_BASE_SECONDS, 30), retryAfter);
  await db
    .update(campaignCoupons)
    .set({ lastResponseStatus: status, lastError: error, lockedUntil: null, nextAttemptAt: new Date(Date.now() + delay * 1000).toISOString(), updatedAt: nowIso() })
    .where(and(eq(campaignCoupons.id, row.id), eq(campaignCoupons.status, "pending")));
  return { retryInSeconds: delay };
}

/**
 * `coupon-realization` consumer: one attempt per message. A retryable failure goes back to the queue
 * with its backoff; after wrangler.toml's `max_retries` the queue hands it to the dead-letter queue.
 */
export const consumeCouponRealization = defineConsumer<RealizationMessage, Bindings>({
  schema: RealizationMessage,
  async handle(messages, env) {
    const db = createDb(env.DB);
    const retry = new Map<string, number>();
    await Promise.all(
      messages.map(async (message) => {
        const outcome = await attemptRealization(db, env, message.body.coupon_id);
        if (outcome) retry.set(message.id, outcome.retryInSeconds);
      }),
    );
    return retry;
  },
});

/** `coupon-realization-dlq`: a coupon whose message ran out of retries is `failed` (a manual retry may revive it). */
export const finishDeadRealizations = defineConsumer<RealizationMessage, Bindings>({
  schema: RealizationMessage,
  async handle(messages, env) {
    const db = createDb(env.DB);
    for (const { body } of messages) {
      const [row] = await db.select().from(campaignCoupons).where(eq(campaignCoupons.id, body.coupon_id)).limit(1);
      if (!row || row.status !== "pending") continue;
      const lastError = `${row.lastError ?? "No answer"} (gave up after ${row.attempts} attempts)`;
      await finish(db, env, row, "failed", { lastResponseStatus: row.lastResponseStatus, lastError, deadLettered: true });
    }
  },
});

/** Cron: pending coupons 5 minutes past their attempt and not held by a consumer (a lost message) are sent again. */
export async function requeueStuckRealizations(env: Pick<Bindings, "DB" | "COUPON_REALIZATION">, now = new Date(), limit = 100): Promise<{ requeued: number }> {
  const db = createDb(env.DB);
  const at = now.toISOString();
  const stuck = await db
    .select({ id: campaignCoupons.id })
    .from(campaignCoupons)
    .where(and(eq(campaignCoupons.status, "pending"), lt(campaignCoupons.nextAttemptAt, addSeconds(at, -300)), or(isNull(campaignCoupons.lockedUntil), lt(campaignCoupons.lockedUntil, at))))
    .limit(limit);
  if (stuck.length === 0) return { requeued: 0 };
  const next = addSeconds(at, 300);
  for (const { id } of stuck) await db.update(campaignCoupons).set({ nextAttemptAt: next }).where(and(eq(campaignCoupons.id, id), eq(campaignCoupons.status, "pending")));
  await env.COUPON_REALIZATION.sendBatch(stuck.map((r) => ({ body: { coupon_id: r.id }, contentType: "json" as const })));
  return { requeued: stuck.length };
}

/** A failed coupon goes back to `pending` and to the queue; anything else is 409. */
export async function retryCoupon(db: Db, env: Bindings, storeId: string, id: string): Promise<CampaignCouponRow> {
  const now = nowIso();
  const [row] = await db
    .update(campaignCoupons)
    .set({ status: "pending", failedAt: null, deadLetteredAt: null, lockedUntil: null, nextAttemptAt: now, updatedAt: now })
    .where(and(eq(campaignCoupons.id, id), eq(campaignCoupons.storeId, storeId), eq(campaignCoupons.status, "failed"), liveBrandOfCoupon(storeId)))
    .returning();
  if (!row) {
    await getCoupon(db, storeId, id);
    throw new ApiError("invalid_transition", "Only a failed coupon can be retried", { extra: { reason: "coupon_not_failed" } });
  }
  await env.COUPON_REALIZATION.send({ coupon_id: row.id }, { contentType: "json" });
  return row;
}

const liveBrandOfCoupon = (storeId: string) =>
  sql`EXISTS (SELECT 1 FROM brands b WHERE b.id = ${campaignCoupons.brandId} AND b.store_id = ${storeId} AND b.deleted_at IS NULL)`;

export async function getCoupon(db: Db, storeId: string, id: string): Promise<CampaignCouponRow> {
  const [row] = await db.select().from(campaignCoupons).where(and(eq(campaignCoupons.id, id), eq(campaignCoupons.storeId, storeId), liveBrandOfCoupon(storeId))).limit(1);
  if (!row) throw new ApiError("not_found", "No such coupon in this store");
  return row;
}

export async function listCoupons(
  db: Db,
  env: Bindings,
  storeId: string,
  discountId: string,
  query: { limit: number; cursor?: string | undefined; status?: "pending" | "realized" | "failed" | undefined },
) {
  const keyset = await paginate(env, `campaign_coupons:${storeId}:${discountId}:${query.status ?? ""}`, query, campaignCoupons);
  const rows = await db
    .select()
    .from(campaignCoupons)
    .where(and(eq(campaignCoupons.discountId, discountId), eq(campaignCoupons.storeId, storeId), query.status ? eq(campaignCoupons.status, query.status) : undefined, keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  const page = await keyset.page(rows, (r) => r);
  return { ...page, data: await Promise.all(page.data.map((r) => presentCoupon(env, r))) };
}
