import type { z } from "@hono/zod-openapi";
import type { BatchItem } from "drizzle-orm/batch";
import type { Bindings } from "../../context";
import { type Db, createDb } from "../../db/client";
import { chunkForParams, isUniqueViolation } from "../../shared/d1";
import { defineConsumer } from "../../shared/queue-consumer";
import { nowIso } from "../../shared/time";
import { EventMessage } from "./events.schemas";
import { appendEventStatements, markPublished } from "./events.service";
import { handledEvents } from "./events.tables";

/** A module's reaction to an event: the statements it writes (guarded; applied at most once). */
export interface EventHandler {
  /** Stable name: the exactly-once bookkeeping is keyed by (name, event id). */
  name: string;
  handle(event: EventMessage, deps: { db: Db; env: Bindings }): Promise<BatchItem<"sqlite">[]>;
  /**
   * The statements for many events at once, when they aggregate (counters: one upsert per key
   * instead of one per event). Used when a whole message batch applies in one D1 batch; absent:
   * `handle` per event.
   */
  handleMany?(events: readonly EventMessage[], deps: { db: Db; env: Bindings }): Promise<BatchItem<"sqlite">[]>;
  /**
   * Outbound work after the handler's statements committed (e.g. enqueueing the deliveries they
   * wrote), run once, best effort: what it misses, the module's cron sweep picks up.
   */
  after?(events: readonly EventMessage[], deps: { db: Db; env: Bindings }): Promise<void>;
  /**
   * Which of a message batch's events the handler has work for (one read for the whole batch); the
   * others skip it entirely: no statements, no bookkeeping row. Absent: every event.
   */
  relevant?(events: readonly EventMessage[], deps: { db: Db; env: Bindings }): Promise<ReadonlySet<string>>;
}

async function runAfter(handler: EventHandler, events: readonly EventMessage[], deps: { db: Db; env: Bindings }) {
  if (!handler.after || events.length === 0) return;
  try {
    await handler.after(events, deps);
  } catch (error) {
    console.warn(JSON.stringify({ level: "warn", msg: "after-apply step deferred to its sweep", handler: handler.name, events: events.length, error: error instanceof Error ? error.name : "Error" }));
  }
}

/** Event type (or "*") to the handlers that react to it. */
export type HandlerTable = Readonly<Record<string, readonly EventHandler[]>>;

/**
 * Applies one handler to one event exactly once: the handler's statements and the (handler, event)
 * row commit in one batch, and a redelivery fails on that row's primary key and changes nothing.
 * Returns false when the event had already been applied.
 */
export async function applyOnce(db: Db, env: Bindings, handler: EventHandler, event: EventMessage): Promise<boolean> {
  const statements = await handler.handle(event, { db, env });
  try {
    await db.batch([db.insert(handledEvents).values({ handler: handler.name, eventId: event.id, handledAt: nowIso() }), ...statements]);
    await runAfter(handler, [event], { db, env });
    return true;
  } catch (error) {
    if (isUniqueViolation(error, "handled_events")) return false;
    throw error;
  }
}

/**
 * Applies one handler to many events in ONE batch when none of them was applied before (the common
 * case: one D1 round trip per handler per message batch instead of one per event). Any duplicate
 * fails the whole batch on its (handler, event) row; then each event goes through `applyOnce`.
 * Returns the ids of the events whose application failed.
 */
export async function applyAll(db: Db, env: Bindings, handler: EventHandler, events: readonly EventMessage[]): Promise<Set<string>> {
  const failed = new Set<string>();
  if (events.length === 0) return failed;
  if (events.length > 1) {
    try {
      const statements = await batchStatements(db, env, handler, events, nowIso());
      await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
      await runAfter(handler, events, { db, env });
      return failed;
    } catch {
      // A redelivered event or a failing statement: fall back to one event at a time.
    }
  }
  for (const event of events) {
    try {
      await applyOnce(db, env, handler, event);
    } catch (error) {
      failed.add(event.id);
      console.error(JSON.stringify({ level: "error", msg: "event handler failed", handler: handler.name, event_id: event.id, error: error instanceof Error ? error.name : "Error" }));
    }
  }
  return failed;
}

/**
 * A handler's statements for many events of one batch: its (handler, event) rows as multi-row
 * inserts (any duplicate fails the batch, as one row each would) and its own statements, aggregated
 * when it can (`handleMany`).
 */
async function batchStatements(db: Db, env: Bindings, handler: EventHandler, events: readonly EventMessage[], now: string): Promise<BatchItem<"sqlite">[]> {
  const statements: BatchItem<"sqlite">[] = chunkForParams(events, 3).map((chunk) =>
    db.insert(handledEvents).values(chunk.map((event) => ({ handler: handler.name, eventId: event.id, handledAt: now }))),
  );
  if (handler.handleMany) statements.push(...(await handler.handleMany(events, { db, env })));
  else for (const event of events) statements.push(...(await handler.handle(event, { db, env })));
  return statements;
}

/**
 * The common case in one D1 round trip: every handler's statements for every event of the message
 * batch, with all their (handler, event) rows, in ONE batch. Any redelivered event or failing
 * statement fails it whole; the caller then falls back to handler by handler, event by event.
 */
async function applyEverything(db: Db, env: Bindings, byHandler: Map<EventHandler, EventMessage[]>, bookends: Bookends): Promise<boolean> {
  const total = [...byHandler.values()].reduce((n, list) => n + list.length, 0);
  // One (handler, event) alone gains nothing over applyOnce, unless the bookends ride along.
  if (total + bookends.before.length + bookends.after.length < 2) return false;
  try {
    const now = nowIso();
    const statements: BatchItem<"sqlite">[] = [...bookends.before];
    for (const [handler, events] of byHandler) statements.push(...(await batchStatements(db, env, handler, events, now)));
    statements.push(...bookends.after);
    await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  } catch {
    return false;
  }
  for (const [handler, events] of byHandler) await runAfter(handler, events, { db, env });
  return true;
}

/**
 * The `events` queue consumer: dispatches each event by type; a failing handler retries its message.
 * Events arrive here already in the log (committed with their change); receipt marks them published.
 */
export function eventsConsumer(table: HandlerTable) {
  return defineConsumer<EventMessage, Bindings>({
    schema: EventMessage,
    async handle(messages, env) {
      const db = createDb(env.DB);
      const failedEvents = await dispatch(db, env, table, messages.map((m) => m.body), { before: [], after: [markPublished(db, messages.map((m) => m.body.id))] });
      return new Set(messages.filter((m) => failedEvents.has(m.body.id)).map((m) => m.id));
    },
  });
}

/**
 * The consumer of events relayed by Durable Objects (committed in the object's own storage, not yet
 * in the D1 log): appends them to the log, marked published, and applies the bus handlers, in ONE D1
 * batch in the common case: one queue hop and one round trip instead of a copy to the log, a second
 * queue, and the handlers' batch. Appending is idempotent on the event id, so a redelivery appends
 * nothing and the handlers' bookkeeping applies nothing twice.
 */
export function objectEventsConsumer<T>(table: HandlerTable, schema: z.ZodType<T>, toRecord: (body: T) => EventMessage) {
  return defineConsumer<T, Bindings>({
    schema,
    async handle(messages, env) {
      const db = createDb(env.DB);
      const records = messages.map((m) => toRecord(m.body));
      const failedEvents = await dispatch(db, env, table, records, { before: appendEventStatements(db, records, nowIso()), after: [] });
      return new Set(messages.filter((_, i) => failedEvents.has(records[i]!.id)).map((m) => m.id));
    },
  });
}

/** The consumer's own statements around the handlers': the log append before, the published mark after. */
interface Bookends {
  before: BatchItem<"sqlite">[];
  after: BatchItem<"sqlite">[];
}

/**
 * Runs the handlers of `table` on `events` with the consumer's `bookends` in the same batch.
 * Returns the ids of the events a handler failed on.
 */
async function dispatch(db: Db, env: Bindings, table: HandlerTable, events: readonly EventMessage[], bookends: Bookends): Promise<Set<string>> {
  const byHandler = new Map<EventHandler, EventMessage[]>();
  for (const body of events) {
    for (const handler of [...(table[body.type] ?? []), ...(table["*"] ?? [])]) {
      const list = byHandler.get(handler);
      if (list) list.push(body);
      else byHandler.set(handler, [body]);
    }
  }
  for (const [handler, list] of byHandler) {
    if (!handler.relevant) continue;
    const keep = await handler.relevant(list, { db, env });
    const kept = list.filter((e) => keep.has(e.id));
    if (kept.length > 0) byHandler.set(handler, kept);
    else byHandler.delete(handler);
  }
  const failedEvents = new Set<string>();
  if (!(await applyEverything(db, env, byHandler, bookends))) {
    // The log first (a failure here retries the whole message batch), then handler by handler,
    // then the published mark.
    if (bookends.before.length > 0) await db.batch(bookends.before as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    for (const [handler, list] of byHandler) {
      for (const id of await applyAll(db, env, handler, list)) failedEvents.add(id);
    }
    if (bookends.after.length > 0) await db.batch(bookends.after as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  }
  return failedEvents;
}
