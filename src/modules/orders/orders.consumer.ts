import { sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import { type Db, createDb } from "../../db/client";
import { nowIso } from "../../shared/time";
import { OrderEvent } from "./orders.schemas";
import { orderDeadEvents, orderProjections } from "./orders.tables";

/** Retry delay for a message that failed `attempts` times: 10 s, 20 s, 40 s ... capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(5 * 2 ** Math.max(1, attempts), 3600);
}

function projectionRow(event: OrderEvent, projectedAt: string) {
  const order = event.data.order;
  return {
    id: order.id,
    storeId: event.store_id,
    status: order.status,
    customerId: order.customer_id,
    currency: order.currency,
    subtotalCents: order.subtotal_cents,
    totalCents: order.total_cents,
    lineCount: order.lines.length,
    lines: JSON.stringify(order.lines),
    notes: order.notes,
    metadata: JSON.stringify(order.metadata),
    cancellationReason: order.cancellation_reason,
    version: order.version,
    createdAt: order.created_at,
    updatedAt: order.updated_at,
    confirmedAt: order.confirmed_at,
    closedAt: order.closed_at,
    shippedAt: order.shipped_at,
    deliveredAt: order.delivered_at,
    canceledAt: order.canceled_at,
    lastEventId: event.id,
    projectedAt,
  };
}

const excluded = (column: string) => sql.raw(`excluded.${column}`);

/** Upsert that only ever moves a row to a newer version: duplicates and stale events are no-ops. */
function upsertProjection(db: Db, event: OrderEvent, projectedAt: string) {
  return db
    .insert(orderProjections)
    .values(projectionRow(event, projectedAt))
    .onConflictDoUpdate({
      target: orderProjections.id,
      set: {
        status: excluded("status"),
        customerId: excluded("customer_id"),
        currency: excluded("currency"),
        subtotalCents: excluded("subtotal_cents"),
        totalCents: excluded("total_cents"),
        lineCount: excluded("line_count"),
        lines: excluded("lines"),
        notes: excluded("notes"),
        metadata: excluded("metadata"),
        cancellationReason: excluded("cancellation_reason"),
        version: excluded("version"),
        updatedAt: excluded("updated_at"),
        confirmedAt: excluded("confirmed_at"),
        closedAt: excluded("closed_at"),
        shippedAt: excluded("shipped_at"),
        deliveredAt: excluded("delivered_at"),
        canceledAt: excluded("canceled_at"),
        lastEventId: excluded("last_event_id"),
        projectedAt: excluded("projected_at"),
      },
      setWhere: sql`excluded.version > ${orderProjections.version} AND excluded.store_id = ${orderProjections.storeId}`,
    });
}

/**
 * `order-events` consumer: projects orders into the D1 read model. Each message is acked or retried
 * on its own (exponential delay); a message that keeps failing goes to `order-events-dlq`.
 */
export async function projectOrderEvents(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const db = createDb(env.DB);
  const projectedAt = nowIso();
  const valid: Array<{ message: Message<unknown>; event: OrderEvent }> = [];
  for (const message of batch.messages) {
    const parsed = OrderEvent.safeParse(message.body);
    if (parsed.success) {
      valid.push({ message, event: parsed.data });
    } else {
      // Possibly written by a newer deploy: retry (a rollout may fix it) and dead-letter in the end.
      console.warn(JSON.stringify({ level: "warn", msg: "order event failed to parse", queue: batch.queue, message_id: message.id }));
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
  const [first, ...rest] = valid.map(({ event }) => upsertProjection(db, event, projectedAt));
  if (!first) return;
  try {
    await db.batch([first, ...rest]);
    for (const { message } of valid) message.ack();
    return;
  } catch {
    // Fall through: find the failing messages one by one so the others are not held back.
  }
  for (const { message, event } of valid) {
    try {
      await upsertProjection(db, event, projectedAt);
      message.ack();
    } catch {
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

function bodyText(body: unknown): string {
  try {
    return JSON.stringify(body) ?? String(body);
  } catch {
    return String(body);
  }
}

/**
 * `order-events-dlq` consumer: records each dead message in `order_dead_events` (once per message id)
 * and logs it, so a lost projection is visible and can be replayed by hand.
 */
export async function recordDeadOrderEvents(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const db = createDb(env.DB);
  const deadAt = nowIso();
  const rows = batch.messages.map((message) => {
    const parsed = OrderEvent.safeParse(message.body);
    const event = parsed.success ? parsed.data : null;
    return {
      messageId: message.id,
      eventId: event?.id ?? null,
      eventType: event?.type ?? null,
      storeId: event?.store_id ?? null,
      orderId: event?.data.order.id ?? null,
      orderVersion: event?.data.order.version ?? null,
      body: bodyText(message.body),
      attempts: message.attempts,
      deadAt,
    };
  });
  const [first, ...rest] = rows.map((row) => db.insert(orderDeadEvents).values(row).onConflictDoNothing());
  if (!first) return;
  await db.batch([first, ...rest]);
  console.error(
    JSON.stringify({
      level: "error",
      msg: "order events dead-lettered",
      queue: batch.queue,
      message_ids: rows.map((row) => row.messageId),
      event_ids: rows.map((row) => row.eventId),
    }),
  );
  batch.ackAll();
}
