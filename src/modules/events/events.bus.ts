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
    return true;
  } catch (error) {
    if (isUniqueViolation(error, "handled_events")) return false;
    throw error;
  }
}

/** The `events` queue consumer: dispatches each event by type; a failing handler retries its message. */
export function eventsConsumer(table: HandlerTable) {
  return defineConsumer<EventMessage, Bindings>({
    schema: EventMessage,
    async handle(messages, env) {
      const db = createDb(env.DB);
      const failed = new Set<string>();
      for (const { id, body } of messages) {
        for (const handler of [...(table[body.type] ?? []), ...(table["*"] ?? [])]) {
          try {
            await applyOnce(db, env, handler, body);
          } catch (error) {
            failed.add(id);
            console.error(JSON.stringify({ level: "error", msg: "event handler failed", handler: handler.name, event_id: body.id, error: error instanceof Error ? error.name : "Error" }));
          }
        }
      }
      await markPublished(db, messages.map((m) => m.body.id));
      return failed;
    },
  });
}
