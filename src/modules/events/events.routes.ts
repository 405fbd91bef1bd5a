import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { AppEnv } from "../../context";
import type { Db } from "../../db/client";
import type { SecretSource } from "../../shared/keys";
import { createRouter, jsonContent } from "../../shared/openapi";
import { PageQuerySchema, type PageRequest, pageSchema, paginate } from "../../shared/pagination";
import { Timestamp } from "../../shared/schemas";
import { storeRoute } from "../stores";
import { deadLetters } from "./events.tables";

const DeadLetter = z
  .object({
    id: z.string().openapi({ example: "dlq_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    queue: z.string().openapi({ example: "events-dlq" }),
    message_id: z.string(),
    body: z.unknown().openapi({ description: "The message as the queue held it (truncated past 16,000 characters)" }),
    attempts: z.number().int(),
    reason: z.string(),
    created_at: Timestamp,
  })
  .openapi("DeadLetter");

const DeadLetterQuery = PageQuerySchema.extend({
  queue: z.string().min(1).max(64).optional().openapi({ description: "Only this dead-letter queue (e.g. `events-dlq`)" }),
});

function present(row: typeof deadLetters.$inferSelect) {
  let body: unknown = row.body;
  try {
    body = JSON.parse(row.body);
  } catch {
    // kept as text when it was truncated
  }
  return { id: row.id, queue: row.queue, message_id: row.messageId, body, attempts: row.attempts, reason: row.reason, created_at: row.createdAt };
}

/** The store's dead letters, newest first: asynchronous work that exhausted its retries. */
export async function listDeadLetters(db: Db, storeId: string, request: PageRequest & { queue?: string | undefined }, secret: SecretSource) {
  const keyset = await paginate(secret, `dead_letters:${storeId}:${request.queue ?? ""}`, request, deadLetters);
  const rows = await db
    .select()
    .from(deadLetters)
    .where(and(eq(deadLetters.storeId, storeId), request.queue ? eq(deadLetters.queue, request.queue) : undefined, keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, present);
}

const listDeadLettersRoute = storeRoute({
  operationId: "listDeadLetters",
  method: "get",
  path: "/v1/dead-letters",
  tags: ["Events"],
  summary: "List dead letters",
  description:
    "Messages about this store that a queue gave up on after its retries (events, order events), newest first. Each was also logged; email deliveries that failed are visible as `failed` at `GET /v1/email-deliveries/{id}`.",
  request: { query: DeadLetterQuery },
  responses: { 200: jsonContent(pageSchema(DeadLetter, "DeadLetterPage"), "A page of dead letters") },
});

export const eventsRouter = createRouter<AppEnv>().openapi(listDeadLettersRoute, async (c) =>
  c.json(await listDeadLetters(c.var.db, c.var.principal.storeId, c.req.valid("query"), c.env), 200),
);
