import { z } from "@hono/zod-openapi";
import type { Bindings } from "../../context";
import { createDb } from "../../db/client";
import { chunkForParams } from "../../shared/d1";
import { newId } from "../../shared/ids";
import { defineConsumer } from "../../shared/queue-consumer";
import { nowIso } from "../../shared/time";
import { deadLetters } from "./events.tables";

function storeOf(body: unknown): string | null {
  const value = (body as { store_id?: unknown; storeId?: unknown } | null)?.store_id ?? (body as { storeId?: unknown } | null)?.storeId;
  return typeof value === "string" ? value : null;
}

/**
 * Consumer for a `*-dlq` queue: records every message it receives in `dead_letters` (idempotent
 * on the message id), then lets the module finish its own state (`settle`, e.g. mark a row failed).
 */
export function deadLetterConsumer(settle?: (bodies: unknown[], env: Bindings) => Promise<void>) {
  return async (batch: MessageBatch<unknown>, env: Bindings, ctx: ExecutionContext) =>
    defineConsumer<unknown, Bindings>({
      schema: z.unknown(),
      async handle(messages, env) {
        const db = createDb(env.DB);
        const now = nowIso();
        const rows = messages.map((m) => ({
          id: newId("dlq"),
          queue: batch.queue,
          storeId: storeOf(m.body),
          messageId: m.id,
          body: JSON.stringify(m.body ?? null).slice(0, 16_000),
          reason: "retries exhausted",
          attempts: m.attempts,
          createdAt: now,
        }));
        for (const chunk of chunkForParams(rows, 8)) {
          await db.insert(deadLetters).values(chunk).onConflictDoNothing();
        }
        console.error(JSON.stringify({ level: "error", msg: "dead letters recorded", queue: batch.queue, count: rows.length }));
        await settle?.(messages.map((m) => m.body), env);
      },
    })(batch, env, ctx);
}
