import type { BatchItem } from "drizzle-orm/batch";
import type { Bindings } from "../../context";
import { type Db, createDb } from "../../db/client";
import { isUniqueViolation } from "../../shared/d1";
import { defineConsumer } from "../../shared/queue-consumer";
import { nowIso } from "../../shared/time";
import { EventMessage } from "./events.schemas";
import { markPublished } from "./events.service";
import { handledEvents } from "./events.tables";

/** A module's reaction to an event: the statements it writes (guarded; applied at most once). */
export interface EventHandler {
  /** Stable name: the exactly-once bookkeeping is keyed by (name, event id). */
  name: string;
  handle(event: EventMessage, deps: { db: Db; env: Bindings }): Promise<BatchItem<"sqlite">[]>;
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
      const now = nowIso();
      const statements: BatchItem<"sqlite">[] = [];
      for (const event of events) {
        statements.push(db.insert(handledEvents).values({ handler: handler.name, eventId: event.id, handledAt: now }), ...(await handler.handle(event, { db, env })));
      }
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
 * The common case in one D1 round trip: every handler's statements for every event of the message
 * batch, with all their (handler, event) rows, in ONE batch. Any redelivered event or failing
 * statement fails it whole; the caller then falls back to handler by handler, event by event.
 */
async function applyEverything(db: Db, env: Bindings, byHandler: Map<EventHandler, EventMessage[]>): Promise<boolean> {
  const total = [...byHandler.values()].reduce((n, list) => n + list.length, 0);
  if (total < 2) return false;
  try {
    const now = nowIso();
    const statements: BatchItem<"sqlite">[] = [];
    for (const [handler, events] of byHandler) {
      for (const event of events) {
        statements.push(db.insert(handledEvents).values({ handler: handler.name, eventId: event.id, handledAt: now }), ...(await handler.handle(event, { db, env })));
      }
    }
    await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  } catch {
    return false;
  }
  for (const [handler, events] of byHandler) await runAfter(handler, events, { db, env });
  return true;
}

/** The `events` queue consumer: dispatches each event by type; a failing handler retries its message. */
export function eventsConsumer(table: HandlerTable) {
  return defineConsumer<EventMessage, Bindings>({
    schema: EventMessage,
    async handle(messages, env) {
      const db = createDb(env.DB);
      const byHandler = new Map<EventHandler, EventMessage[]>();
      for (const { body } of messages) {
        for (const handler of [...(table[body.type] ?? []), ...(table["*"] ?? [])]) {
          byHandler.set(handler, [...(byHandler.get(handler) ?? []), body]);
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
      if (!(await applyEverything(db, env, byHandler))) {
        for (const [handler, events] of byHandler) {
          for (const id of await applyAll(db, env, handler, events)) failedEvents.add(id);
        }
      }
      const failed = new Set(messages.filter((m) => failedEvents.has(m.body.id)).map((m) => m.id));
      await markPublished(db, messages.map((m) => m.body.id));
      return failed;
    },
  });
}
