import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../src/modules/orders/orders.consumer";
import { runQueue } from "../../src/queue";
import { call, createStore, entry } from "../helpers";
import { act, createCustomer, createDraft, draftBody, line, objectSql, stub } from "./fixtures";

type Row = Record<string, unknown>;

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

async function projection(orderId: string): Promise<Row | null> {
  return env.DB.prepare("SELECT * FROM orders WHERE id = ?").bind(orderId).first<Row>();
}

function expectConverged(row: Row | null, order: Record<string, any>, storeId: string) {
  expect(row).not.toBeNull();
  expect(row).toMatchObject({
    id: order.id,
    store_id: storeId,
    status: order.status,
    customer_id: order.customer_id,
    currency: order.currency,
    subtotal_cents: order.subtotal_cents,
    total_cents: order.total_cents,
    line_count: order.lines.length,
    version: order.version,
    created_at: order.created_at,
    updated_at: order.updated_at,
    confirmed_at: order.confirmed_at,
    closed_at: order.closed_at,
    shipped_at: order.shipped_at,
    delivered_at: order.delivered_at,
    canceled_at: order.canceled_at,
    cancellation_reason: order.cancellation_reason,
    notes: order.notes,
  });
  expect(JSON.parse(row!.lines as string)).toEqual(order.lines);
  expect(JSON.parse(row!.metadata as string)).toEqual(order.metadata);
}

describe("order-events consumer", () => {
  it("converges the D1 read model to the object's state, in any order, and replays change nothing", async () => {
    const store = await createStore();
    const order = await createDraft(store, draftBody({ customer_id: (await createCustomer(store)).id, metadata: { a: "1" } }));
    await call("PATCH", `/v1/orders/${order.id}`, {
      token: store.key,
      headers: { "If-Match": "1" },
      body: { lines: [line(), line({ quantity: 5 })] },
    });
    for (const [i, action] of ["confirm", "close", "ship"].entries()) await act(store, order.id, action, i + 2);
    const other = await createDraft(store);
    await act(store, other.id, "cancel", 1, { cancellation_reason: "fraud" });

    const events = await eventsOf(store.id);
    expect(events).toHaveLength(7);
    const shuffled = [...events].reverse();
    const first = await consume("order-events", shuffled);
    expect(first.explicitAcks).toHaveLength(7);
    expect(first.retryMessages).toEqual([]);

    const truth = (await call("GET", `/v1/orders/${order.id}`, { token: store.key })).body;
    const truthOther = (await call("GET", `/v1/orders/${other.id}`, { token: store.key })).body;
    const row = await projection(order.id);
    expectConverged(row, truth, store.id);
    expectConverged(await projection(other.id), truthOther, store.id);

    // At-least-once: the same events again, one by one and as a batch, change nothing.
    for (const event of events) await consume("order-events", [event]);
    const again = await consume("order-events", events);
    expect(again.explicitAcks).toHaveLength(7);
    expect(await projection(order.id)).toEqual(row);
  });

  it("ignores an older version that arrives after a newer one", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    await act(store, order.id, "confirm", 1);
    const [created, confirmed] = await eventsOf(store.id);
    await consume("order-events", [confirmed]);
    await consume("order-events", [created]);
    expect(await projection(order.id)).toMatchObject({ version: 2, status: "confirmed" });
  });

  it("retries unparseable messages with a growing delay and acks the rest", async () => {
    const store = await createStore();
    await createDraft(store);
    const [event] = await eventsOf(store.id);
    const result = await consume("order-events", [{ nonsense: true }, event, { ...(event as object), type: "order.exploded" }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(2);
    // getQueueResult does not report delaySeconds; the delay schedule is checked on its own below.
    expect(result.retryMessages.map((m) => m.msgId.slice(-2))).toEqual(["-0", "-2"]);
    expect([1, 2, 3, 9, 50].map(retryDelaySeconds)).toEqual([10, 20, 40, 2560, 3600]);
  });

  it("is reached through the Worker's queue handler", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const [event] = await eventsOf(store.id);
    const result = await entry().queue("order-events", [
      { id: `entry-${order.id}`, timestamp: new Date(), attempts: 1, body: event },
    ]);
    expect(result.outcome).toBe("ok");
    expect(result.explicitAcks).toEqual([`entry-${order.id}`]);
    expect(await projection(order.id)).toMatchObject({ version: 1, status: "draft" });
  });

  it("receives the relayed events from the real queue", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    await act(store, order.id, "confirm", 1);
    await runDurableObjectAlarm(stub(store.id));
    await expect.poll(async () => (await projection(order.id))?.version, { timeout: 10_000, interval: 200 }).toBe(2);
  });
});

describe("order-events-dlq consumer", () => {
  it("records each dead message once and acks the batch", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const [event] = await eventsOf(store.id);
    const prefix = crypto.randomUUID();
    const result = await consume("order-events-dlq", [event, "not an event"], prefix);
    expect(result.ackAll).toBe(true);
    await consume("order-events-dlq", [event, "not an event"], prefix);
    const { results } = await env.DB.prepare("SELECT * FROM order_dead_events WHERE message_id LIKE ? ORDER BY message_id")
      .bind(`${prefix}%`)
      .all<Row>();
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ event_type: "order.created", store_id: store.id, order_id: order.id, order_version: 1, attempts: 1 });
    expect(results[1]).toMatchObject({ event_id: null, body: '"not an event"' });
  });
});

describe("queue dispatch", () => {
  it("refuses a queue it has no consumer for", async () => {
    await expect(consume("nobody-listens", [{}])).rejects.toThrow(/No consumer/);
  });
});
