import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createStore, entry, unique } from "../helpers";

const today = () => new Date().toISOString().slice(0, 10);

async function eventsOf(storeId: string, type: string) {
  const { results } = await env.DB.prepare("SELECT * FROM events WHERE store_id = ? AND type = ? ORDER BY created_at").bind(storeId, type).all<Record<string, unknown>>();
  return results;
}

async function dailyCount(storeId: string, type: string) {
  const row = await env.DB.prepare("SELECT count FROM daily_event_counts WHERE store_id = ? AND day = ? AND type = ?").bind(storeId, today(), type).first<{ count: number }>();
  return row?.count ?? 0;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 8_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

function message(row: Record<string, unknown>, id = unique("msg")) {
  return {
    id,
    timestamp: new Date(),
    attempts: 1,
    body: {
      id: row.id,
      store_id: row.store_id,
      type: row.type,
      resource_type: row.resource_type,
      resource_id: row.resource_id,
      resource_version: row.resource_version,
      created_at: row.created_at,
      data: JSON.parse(String(row.data)),
    },
  };
}

describe("event log and bus", () => {
  it("a D1 change appends its event in the same batch, the real queue delivers it, and a handler applies it once even when delivered twice", async () => {
    const store = await createStore();
    const created = await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("ann")}@example.com` } });
    expect(created.status).toBe(201);
    const [event] = await eventsOf(store.id, "customer.created");
    expect(event).toMatchObject({ resource_type: "customer", resource_id: created.body.id, resource_version: 1 });
    // Published right after the commit through the real `events` queue; its consumer counts it.
    expect(await until(() => dailyCount(store.id, "customer.created"), (n) => n === 1)).toBe(1);
    const published = await until(async () => (await eventsOf(store.id, "customer.created"))[0]!.published_at, (v) => v !== null);
    expect(published).not.toBeNull();
    // At-least-once: the same event arrives twice more, in one batch and alone.
    const twice = await entry().queue("events", [message(event!), message(event!)]);
    expect(twice.outcome).toBe("ok");
    expect(twice.retryMessages).toEqual([]);
    await entry().queue("events", [message(event!)]);
    expect(await dailyCount(store.id, "customer.created")).toBe(1);
  });

  it("an order event is copied from the order stream into the log and reaches a handler once, even when delivered twice", async () => {
    const store = await createStore();
    const created = await call("POST", "/v1/orders", {
      token: store.key,
      body: { currency: "USD", lines: [{ title: "Gift wrap", unit_price_cents: 300, quantity: 1 }] },
      headers: { "Idempotency-Key": unique("ord") },
    });
    expect(created.status).toBe(201);
    // The object's outbox relay -> order-events queue -> one consumer batch appends it to the log
    // (marked published: it never goes through the events queue) and applies the handlers.
    expect(await until(() => dailyCount(store.id, "order.created"), (n) => n === 1)).toBe(1);
    const [event] = await eventsOf(store.id, "order.created");
    expect(event!.published_at).not.toBeNull();
    expect(event).toMatchObject({ resource_type: "order", resource_id: created.body.id, resource_version: 1 });
    const orderEvent = { id: event!.id, type: event!.type, created_at: event!.created_at, store_id: store.id, data: JSON.parse(String(event!.data)) };
    const copied = await entry().queue("order-events", [
      { id: unique("oe"), timestamp: new Date(), attempts: 1, body: orderEvent },
      { id: unique("oe"), timestamp: new Date(), attempts: 1, body: orderEvent },
    ]);
    expect(copied.retryMessages).toEqual([]);
    await entry().queue("events", [message(event!), message(event!)]);
    await new Promise((r) => setTimeout(r, 1_500)); // let the re-published copies reach the bus too
    expect(await eventsOf(store.id, "order.created")).toHaveLength(1);
    expect(await dailyCount(store.id, "order.created")).toBe(1);
  });

  it("an inventory change emits product.inventory_changed with its ledger entry", async () => {
    const store = await createStore();
    const product = await call("POST", "/v1/products", { token: store.key, body: { title: "Filter", price_cents: 100, inventory: 4 } });
    const changed = await call("POST", `/v1/products/${product.body.id}/inventory`, { token: store.key, body: { adjust: -1, reason: "breakage" } });
    expect(changed.status).toBe(200);
    const events = await eventsOf(store.id, "product.inventory_changed");
    expect(events).toHaveLength(1);
    expect(JSON.parse(String(events[0]!.data))).toMatchObject({ product_id: product.body.id, ledger_entry_id: changed.body.ledger_entry.id, adjust: -1, reason: "breakage" });
    // A refused change emits nothing.
    await call("POST", `/v1/products/${product.body.id}/inventory`, { token: store.key, body: { adjust: -100 } });
    expect(await eventsOf(store.id, "product.inventory_changed")).toHaveLength(1);
  });

  it("the cron sweep re-publishes an event a crash left unpublished", async () => {
    const store = await createStore();
    const id = `evt_${unique("stranded").replace(/[^0-9A-Za-z]/g, "")}`;
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    await env.DB.prepare(
      "INSERT INTO events (id, store_id, type, resource_type, resource_id, resource_version, created_at, data) VALUES (?, ?, 'test.stranded', 'test', 'x', NULL, ?, '{}')",
    ).bind(id, store.id, old).run();
    const result = await entry().scheduled({ cron: "* * * * *", scheduledTime: new Date() });
    expect(result.outcome).toBe("ok");
    expect(await until(() => dailyCount(store.id, "test.stranded"), (n) => n === 1)).toBe(1);
    const row = await env.DB.prepare("SELECT published_at FROM events WHERE id = ?").bind(id).first<{ published_at: string | null }>();
    expect(row!.published_at).not.toBeNull();
  });

  it("a batch of new events is applied in one go; a batch mixing new and seen events applies only the new ones", async () => {
    const store = await createStore();
    const insert = async (type: string) => {
      const id = `evt_${unique("b").replace(/[^0-9A-Za-z]/g, "")}`;
      await env.DB.prepare("INSERT INTO events (id, store_id, type, resource_type, resource_id, resource_version, created_at, data) VALUES (?, ?, ?, 'test', 'x', NULL, ?, '{}')")
        .bind(id, store.id, type, new Date().toISOString())
        .run();
      return (await env.DB.prepare("SELECT * FROM events WHERE id = ?").bind(id).first<Record<string, unknown>>())!;
    };
    const first = await Promise.all([insert("test.batched"), insert("test.batched"), insert("test.batched")]);
    await entry().queue("events", first.map((row) => message(row)));
    expect(await dailyCount(store.id, "test.batched")).toBe(3);
    const fresh = await insert("test.batched");
    const mixed = await entry().queue("events", [message(first[0]!), message(fresh), message(first[1]!)]);
    expect(mixed.retryMessages).toEqual([]);
    expect(await dailyCount(store.id, "test.batched")).toBe(4);
  });

  it("a message that is not an event is acked and logged, never retried forever", async () => {
    const result = await entry().queue("events", [{ id: "bad-1", timestamp: new Date(), attempts: 1, body: { nope: true } }]);
    expect(result.explicitAcks).toEqual(["bad-1"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("dead letters are recorded once per message, with their store", async () => {
    const store = await createStore();
    const body = { id: "evt_dead1", store_id: store.id, type: "x.y" };
    const msg = { id: unique("dead"), timestamp: new Date(), attempts: 11, body };
    await entry().queue("events-dlq", [msg]);
    await entry().queue("events-dlq", [msg]);
    const { results } = await env.DB.prepare("SELECT * FROM dead_letters WHERE message_id = ?").bind(msg.id).all<Record<string, unknown>>();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ queue: "events-dlq", store_id: store.id, attempts: 11 });
    // Visible through the API to that store only, filterable by queue.
    const listed = await call("GET", "/v1/dead-letters?queue=events-dlq", { token: store.key });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ queue: "events-dlq", message_id: msg.id, attempts: 11, body });
    expect((await call("GET", "/v1/dead-letters?queue=order-events-dlq", { token: store.key })).body.data).toEqual([]);
    const other = await createStore();
    expect((await call("GET", "/v1/dead-letters", { token: other.key })).body.data).toEqual([]);
  });
});
