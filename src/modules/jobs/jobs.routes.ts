import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter, jsonContent } from "../../shared/openapi";
import { Timestamp } from "../../shared/schemas";
import { operatorRoute } from "../stores";
import { type Job, lastRuns } from "./jobs.service";

const JobStatus = z
  .object({
    name: z.string().openapi({ example: "giftcards.expire" }),
    cron: z.string().openapi({ example: "17 * * * *" }),
    last_run: z
      .object({ started_at: Timestamp, duration_ms: z.number().int(), counts: z.record(z.string(), z.number()), error: z.string().nullable() })
      .nullable(),
  })
  .openapi("JobStatus");

const listJobsRoute = operatorRoute({
  operationId: "listJobs",
  method: "get",
  path: "/v1/admin/jobs",
  tags: ["Operations"],
  summary: "Cron jobs and their last runs",
  description: "Every job of the cron registry with its schedule and its last run: when, how long, what it changed, and the error if it failed.",
  responses: { 200: jsonContent(z.object({ data: z.array(JobStatus) }).openapi("JobStatusList"), "The jobs") },
});

/** The router over a job registry (the registry lives in src/scheduled.ts, which imports every module). */
export function jobsRouter(jobs: () => readonly Job[]) {
  return createRouter<AppEnv>().openapi(listJobsRoute, async (c) => c.json({ data: await lastRuns(c.var.db, jobs()) }, 200));
}
