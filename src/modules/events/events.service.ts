import { and, asc, isNull, lt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import { chunkForParams } from "../../shared/d1";
import { newId } from "../../shared/ids";
import { addSeconds, nowIso } from "../../shared/time";
import type { EventDraft, EventMessage } from "./events.schemas";
import { events } from "./events.tables";

/** Messages per `sendBatch` (the Queues limit) and events per sweep run. */
const SEND_BATCH = 100;
const SWEEP_LIMIT = 500;
/** An event not published this long after its commit is re-published by the sweep. */
export const SWEEP_AFTER_SECONDS = 60;

export function newEvent(storeId: string, draft: EventDraft, createdAt = nowIso()): EventMessage {
  return {
    id: newId("evt"),
    store_id: storeId,
    type: draft.type,
    resource_type: draft.resource_type,
    resource_id: draft.resource_id,
    resource_version: draft.resource_version ?? null,
    created_at: createdAt,
    data: draft.data,
  };
}

function row(event: EventMessage, publishedAt: string | null) {
  return {
    // Omitted (not bound as null) when unknown: 8 parameters per row, as chunkForParams counts.
    ...(publishedAt === null ? {} : { publishedAt }),
    id: event.id,
    storeId: event.store_id,
    type: event.type,
    resourceType: event.resource_type,
    resourceId: event.resource_id,
    resourceVersion: event.resource_version,
    createdAt: event.created_at,
    data: JSON.stringify(event.data),
  };
}

/**
 * Statements that append events to the log, for the same batch as the change they describe.
 * Appending an id that is already there is a no-op, so copies (the order stream's) are idempotent.
 * `publishedAt`: the bus consumer that appends and handles in one batch marks its rows published.
 */
export function appendEventStatements(db: Db, list: readonly EventMessage[], publishedAt: string | null = null): BatchItem<"sqlite">[] {
  return chunkForParams(list, publishedAt === null ? 8 : 9).map((chunk) => db.insert(events).values(chunk.map((e) => row(e, publishedAt))).onConflictDoNothing());
}

/** Hands events to the bus. Called after the commit; a failure here is healed by the sweep. */
export async function publishEvents(queue: Queue<EventMessage>, list: readonly EventMessage[]): Promise<void> {
  for (let i = 0; i < list.length; i += SEND_BATCH) {
    await queue.sendBatch(list.slice(i, i + SEND_BATCH).map((body) => ({ body, contentType: "json" as const })));
  }
}

/** Marks events as received by the bus (one statement for a whole consumer batch). */
export function markPublished(db: Db, ids: readonly string[], at = nowIso()) {
  return db
    .update(events)
    .set({ publishedAt: at })
    .where(and(sql`${events.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`, isNull(events.publishedAt)));
}

/** Re-publishes events still unpublished a minute after their commit (cron, catch-up style). */
export async function sweepUnpublishedEvents(db: Db, queue: Queue<EventMessage>, now = nowIso()): Promise<number> {
  const rows = await db
    .select()
    .from(events)
    .where(and(isNull(events.publishedAt), lt(events.createdAt, addSeconds(now, -SWEEP_AFTER_SECONDS))))
    .orderBy(asc(events.createdAt))
    .limit(SWEEP_LIMIT);
  await publishEvents(queue, rows.map(toMessage));
  return rows.length;
}

export function toMessage(r: typeof events.$inferSelect): EventMessage {
  return {
    id: r.id,
    store_id: r.storeId,
    type: r.type,
    resource_type: r.resourceType,
    resource_id: r.resourceId,
    resource_version: r.resourceVersion,
    created_at: r.createdAt,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}
