import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per cron job run: what it did (counts), how long it took, and its error if it failed. */
export const jobRuns = sqliteTable(
  "job_runs",
  {
    id: text("id").primaryKey(),
    job: text("job").notNull(),
    cron: text("cron").notNull(),
    startedAt: text("started_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    counts: text("counts").notNull(),
    error: text("error"),
  },
  (t) => [index("job_runs_job_started_idx").on(t.job, t.startedAt)],
);
