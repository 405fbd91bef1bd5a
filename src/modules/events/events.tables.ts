import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The store's event history: every state change others may care about, appended in the same atomic
 * unit as the change (a D1 batch here; the order stream's events are copied in by its consumer).
 * `published_at` is set by the events consumer on first receipt; the cron sweep re-publishes rows
 * still unpublished after a minute, so a crash between commit and publish never strands an event.
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    type: text("type").notNull(),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id").notNull(),
    resourceVersion: integer("resource_version"),
    createdAt: text("created_at").notNull(),
    data: text("data").notNull(),
    publishedAt: text("published_at"),
  },
  (t) => [
    index("events_store_created_idx").on(t.storeId, t.createdAt, t.id),
    index("events_unpublished_idx").on(t.publishedAt, t.createdAt),
    index("events_created_idx").on(t.createdAt),
  ],
);

/**
 * One row per (handler, event) that a bus handler has applied, written in the same batch as the
 * handler's own statements: a redelivered event hits the primary key and changes nothing.
 */
export const handledEvents = sqliteTable(
  "handled_events",
  {
    handler: text("handler").notNull(),
    eventId: text("event_id").notNull(),
    handledAt: text("handled_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.handler, t.eventId] })],
);

/** Messages a queue gave up on (its dead-letter queue's consumer records them here). */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    storeId: text("store_id"),
    messageId: text("message_id").notNull(),
    body: text("body").notNull(),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("dead_letters_queue_message_idx").on(t.queue, t.messageId),
    index("dead_letters_store_created_idx").on(t.storeId, t.createdAt),
  ],
);

export type EventRow = typeof events.$inferSelect;
