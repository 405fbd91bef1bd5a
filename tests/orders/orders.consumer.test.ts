import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EventMessage } from "../../src/modules/events";
import { OrderEvent, orderEventRecord } from "../../src/modules/orders";
import { runQueue } from "../../src/queue";
import { createStore, entry } from "../helpers";
import { createDraft, objectSql } from "./fixtures";

async function eventsOf(storeId: string): Promise<unknown[]> {
  const rows = await objectSql<{ payload: string }>(storeId, "SELECT payload FROM outbox ORDER BY seq");
  return rows.map((row) => JSON.parse(row.payload));
}

async function consume(queue: string, bodies: unknown[], prefix = crypto.randomUUID()) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `${prefix}-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await runQueue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("the D1 side of orders", () => {
  it("keeps no orders read model nor its own dead-event table (nothing read them)", async () => {
    const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('orders', 'order_dead_events')").all();
    expect(results).toEqual([]);
  });
});

describe("order-events consumer", () => {
  it("acks every valid order event and acks (after logging) a body that can never parse", async () => {
    const store = await createStore();
    await createDraft(store);
    const [event] = await eventsOf(store.id);
    const result = await consume("order-events", [{ nonsense: true }, event]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(2);
  });

  it("is reached through the Worker's queue handler", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const [event] = await eventsOf(store.id);
    const result = await entry().queue("order-events", [{ id: `entry-${order.id}`, timestamp: new Date(), attempts: 1, body: event }]);
    expect(result.outcome).toBe("ok");
    expect(result.explicitAcks).toEqual([`entry-${order.id}`]);
  });

  it("maps each order event to the events log's shape (the seam the events-log copy uses)", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const [event] = await eventsOf(store.id);
    const record = orderEventRecord(OrderEvent.parse(event));
    expect(EventMessage.parse(record)).toEqual(record);
    expect(record).toMatchObject({ store_id: store.id, type: "order.created", resource_type: "order", resource_id: order.id, resource_version: 1 });
    expect(record.data).toEqual({ order: expect.objectContaining({ id: order.id }) });
  });
});

describe("order-events-dlq consumer", () => {
  it("records each dead message once in dead_letters and acks it", async () => {
    const store = await createStore();
    await createDraft(store);
    const [event] = await eventsOf(store.id);
    const prefix = crypto.randomUUID();
    const result = await consume("order-events-dlq", [event, "not an event"], prefix);
    expect(result.retryMessages).toEqual([]);
    await consume("order-events-dlq", [event, "not an event"], prefix);
    const { results } = await env.DB.prepare("SELECT * FROM dead_letters WHERE queue = 'order-events-dlq' AND message_id LIKE ? ORDER BY message_id")
      .bind(`${prefix}%`)
      .all<Record<string, unknown>>();
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ store_id: store.id, attempts: 1 });
  });
});

describe("queue dispatch", () => {
  it("refuses a queue it has no consumer for", async () => {
    await expect(consume("nobody-listens", [{}])).rejects.toThrow(/No consumer/);
  });
});
