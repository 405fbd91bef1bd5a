import { desc, eq, lt } from "drizzle-orm";
import type { Bindings } from "../../context";
import { type Db, createDb } from "../../db/client";
import { newId } from "../../shared/ids";
import { jobRuns } from "./jobs.tables";

/** A cron job: idempotent and catch-up style (by `expires_at < now`, never "the last hour"). */
export interface Job {
  name: string;
  /** One of wrangler.toml's `[triggers] crons`. */
  cron: string;
  /** What it changed, by kind (e.g. `{ expired: 3 }`); a second run right after reports zeros. */
  run(env: Bindings, now: Date): Promise<Record<string, number>>;
}

/** Job runs are kept this long. */
const RUN_RETENTION_DAYS = 7;

/** Runs every job of `cron`, each recorded in `job_runs` (counts or error); throws if any failed. */
export async function runJobs(jobs: readonly Job[], cron: string, env: Bindings, now = new Date()): Promise<void> {
  const due = jobs.filter((job) => job.cron === cron);
  if (due.length === 0) throw new Error(`No jobs for cron "${cron}"`);
  const db = createDb(env.DB);
  const results = await Promise.allSettled(
    due.map(async (job) => {
      const started = Date.now();
      let counts: Record<string, number> = {};
      let error: string | null = null;
      try {
        counts = await job.run(env, now);
      } catch (caught) {
        error = caught instanceof Error ? `${caught.name}: ${caught.message}`.slice(0, 500) : "Error";
      }
      await db.insert(jobRuns).values({ id: newId("run"), job: job.name, cron, startedAt: now.toISOString(), durationMs: Date.now() - started, counts: JSON.stringify(counts), error });
      if (error) throw new Error(`${job.name}: ${error}`);
    }),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) throw new AggregateError(failed.map((f) => f.reason), "cron jobs failed");
}

/** Each job's last run, in registry order. */
export async function lastRuns(db: Db, jobs: readonly Job[]) {
  const rows = await Promise.all(jobs.map((job) => db.select().from(jobRuns).where(eq(jobRuns.job, job.name)).orderBy(desc(jobRuns.startedAt)).limit(1)));
  return jobs.map((job, i) => {
    const run = rows[i]![0];
    return {
      name: job.name,
      cron: job.cron,
      last_run: run
        ? { started_at: run.startedAt, duration_ms: run.durationMs, counts: JSON.parse(run.counts) as Record<string, number>, error: run.error }
        : null,
    };
  });
}

export async function purgeOldJobRuns(db: Db, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - RUN_RETENTION_DAYS * 86_400_000).toISOString();
  const result = await db.delete(jobRuns).where(lt(jobRuns.startedAt, cutoff)).run();
  return result.meta.changes ?? 0;
}
