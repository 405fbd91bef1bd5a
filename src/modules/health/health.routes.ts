import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { createRouter, jsonContent, publicRoute } from "../../shared/openapi";

const Health = z
  .object({ status: z.literal("ok"), checks: z.object({ d1: z.literal("ok") }) })
  .openapi("Health", { example: { status: "ok", checks: { d1: "ok" } } });

const healthRoute = publicRoute({
  operationId: "getHealth",
  method: "get",
  path: "/health",
  tags: ["Health"],
  summary: "Liveness and D1 reachability",
  description: "No credential needed. 503 when D1 does not answer a trivial query.",
  responses: { 200: jsonContent(Health, "Healthy") },
  errors: [503],
});

export const healthRouter = createRouter<AppEnv>().openapi(healthRoute, async (c) => {
  try {
    await c.env.DB.prepare("SELECT 1").first();
  } catch {
    throw new ApiError("service_unavailable", "D1 is not reachable");
  }
  return c.json({ status: "ok" as const, checks: { d1: "ok" as const } }, 200);
});
