import type { Bindings } from "./context";
import { createDb } from "./db/client";
import { expireCoupons } from "./modules/coupons";
import { expireCredits } from "./modules/credits";
import { purgeExpiredCustomerTokens, resendStrandedDeliveries } from "./modules/customers";
import { sweepUnpublishedEvents } from "./modules/events";
import { expireGiftCards } from "./modules/giftcards";
import { purgeExpiredIdempotencyKeys } from "./modules/idempotency";
import { purgeExpiredAccessTokens } from "./modules/stores";

type Job = (env: Bindings) => Promise<void>;

/** Cron expression (the same strings as wrangler.toml `[triggers]`) to the jobs it runs. */
export const SCHEDULE: Record<string, Job[]> = {
  // Sweeps for work a crash left between a commit and its outbound step (older than a minute).
  "* * * * *": [
    (env) => sweepUnpublishedEvents(createDb(env.DB), env.EVENTS).then(() => undefined),
    (env) => resendStrandedDeliveries(createDb(env.DB), env.EMAIL_OUTBOX).then(() => undefined),
  ],
  "17 * * * *": [
    (env) => purgeExpiredIdempotencyKeys(createDb(env.DB)),
    (env) => purgeExpiredAccessTokens(createDb(env.DB)),
    (env) => purgeExpiredCustomerTokens(createDb(env.DB)),
    // Stored value past its expiry: gift cards and credits lose what is left, coupon codes are marked.
    (env) => expireGiftCards(env).then(() => undefined),
    (env) => expireCredits(env).then(() => undefined),
    (env) => expireCoupons(env).then(() => undefined),
  ],
};

export async function runScheduled(cron: string, env: Bindings): Promise<void> {
  const jobs = SCHEDULE[cron];
  if (!jobs) throw new Error(`No jobs for cron "${cron}"`);
  const results = await Promise.allSettled(jobs.map((job) => job(env)));
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) throw new AggregateError(failed.map((f) => (f as PromiseRejectedResult).reason), "cron jobs failed");
}
