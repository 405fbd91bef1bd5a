import type { Bindings } from "./context";
import { createDb } from "./db/client";
import { resumeStalledCheckouts } from "./modules/billing";
import { requeueStuckRealizations } from "./modules/campaigns";
import { reconcileCartIndex } from "./modules/carts";
import { expireCoupons } from "./modules/coupons";
import { expireCredits } from "./modules/credits";
import { purgeExpiredCustomerTokens, resendStrandedDeliveries } from "./modules/customers";
import { purgeOldEvents, sweepUnpublishedEvents } from "./modules/events";
import { expireGiftCards } from "./modules/giftcards";
import { purgeExpiredIdempotencyKeys } from "./modules/idempotency";
import { type Job, purgeOldJobRuns, runJobs } from "./modules/jobs";
import { expireOldDrafts } from "./modules/orders";
import { purgeExpiredAccessTokens } from "./modules/stores";
import { purgeOldDeliveries, requeueStuckDeliveries } from "./modules/webhooks";

const EVERY_MINUTE = "* * * * *";
const HOURLY = "17 * * * *";

/** Runs a purge that reports nothing, as a job with no counts. */
const quiet = (purge: () => Promise<unknown>) => async () => {
  await purge();
  return {};
};

/**
 * The cron registry: every job, its schedule (one of wrangler.toml's `[triggers] crons`, which a test
 * reads from the file) and what it does. `scheduled()` runs the jobs of the firing cron and records
 * each run (`GET /v1/admin/jobs`). Every job is idempotent and catch-up style.
 */
export const JOBS: readonly Job[] = [
  // Sweeps for work a crash left between a commit and its outbound step (older than a minute).
  { name: "events.republish", cron: EVERY_MINUTE, run: async (env) => ({ republished: await sweepUnpublishedEvents(createDb(env.DB), env.EVENTS) }) },
  { name: "webhooks.requeue_stuck", cron: EVERY_MINUTE, run: (env, now) => requeueStuckDeliveries(env, now) },
  { name: "checkouts.resume_stalled", cron: EVERY_MINUTE, run: (env, now) => resumeStalledCheckouts(env, now) },
  { name: "coupon_realizations.requeue_stuck", cron: EVERY_MINUTE, run: (env, now) => requeueStuckRealizations(env, now) },
  { name: "emails.resend_stranded", cron: EVERY_MINUTE, run: async (env) => ({ resent: await resendStrandedDeliveries(createDb(env.DB), env.EMAIL_OUTBOX) }) },
  // Expiry and retention.
  { name: "idempotency.purge_expired", cron: HOURLY, run: (env, now) => quiet(() => purgeExpiredIdempotencyKeys(createDb(env.DB), now.toISOString()))() },
  { name: "access_tokens.purge_expired", cron: HOURLY, run: (env, now) => quiet(() => purgeExpiredAccessTokens(createDb(env.DB), now.getTime()))() },
  { name: "customer_tokens.purge_expired", cron: HOURLY, run: (env, now) => quiet(() => purgeExpiredCustomerTokens(createDb(env.DB), now.getTime()))() },
  { name: "giftcards.expire", cron: HOURLY, run: (env, now) => expireGiftCards(env, now.toISOString()) },
  { name: "credits.expire", cron: HOURLY, run: (env, now) => expireCredits(env, now.toISOString()) },
  { name: "coupons.expire", cron: HOURLY, run: (env, now) => expireCoupons(env, now.toISOString()) },
  { name: "orders.expire_drafts", cron: HOURLY, run: (env, now) => expireOldDrafts(env, now) },
  { name: "carts.reconcile_index", cron: HOURLY, run: (env, now) => reconcileCartIndex(env, now) },
  { name: "events.purge_old", cron: HOURLY, run: async (env, now) => ({ purged: await purgeOldEvents(createDb(env.DB), now) }) },
  { name: "webhook_deliveries.purge_old", cron: HOURLY, run: (env, now) => purgeOldDeliveries(env, now) },
  { name: "job_runs.purge_old", cron: HOURLY, run: async (env, now) => ({ purged: await purgeOldJobRuns(createDb(env.DB), now) }) },
];

/** Cron expression to its jobs' names (what wrangler.toml must fire). */
export const SCHEDULE: Record<string, string[]> = JOBS.reduce<Record<string, string[]>>((acc, job) => {
  (acc[job.cron] ??= []).push(job.name);
  return acc;
}, {});

export function runScheduled(cron: string, env: Bindings, now = new Date()): Promise<void> {
  return runJobs(JOBS, cron, env, now);
}
