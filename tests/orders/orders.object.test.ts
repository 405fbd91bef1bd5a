import { abortAllDurableObjects, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CreateOrderCommand, OrderStream } from "../../src/modules/orders";
import objectMigrations from "../../src/modules/orders/object-migrations";
import { requestFingerprint } from "../../src/shared/idempotency-key";
import { type TestStore, call, createStore, unique } from "../helpers";
import { createDraft, draftBody, objectSql, postOrder, stub } from "./fixtures";
import { probeRelay } from "./relay-probe";

async function createCommand(store: TestStore, key: string, body: ReturnType<typeof draftBody>): Promise<CreateOrderCommand> {
  return {
    storeId: store.id,
    idempotency: {
      method: "POST",
      route: "/v1/orders",
      key,
      requestHash: await requestFingerprint("POST", "/v1/orders", body),
    },
    input: { ...body, lines: body.lines.map((l) => ({ ...l, product_id: null, custom: true })) },
    defaultCurrency: "USD",
  };
}

async function countFor(storeId: string) {
  const [orders] = await objectSql<{ n: number }>(storeId, "SELECT COUNT(*) AS n FROM orders");
  const [events] = await objectSql<{ n: number }>(storeId, "SELECT COUNT(*) AS n FROM outbox WHERE type = 'order.created'");
  return { orders: orders!.n, events: events!.n };
}

async function undelivered(storeId: string) {
  const [row] = await objectSql<{ n: number }>(storeId, "SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL");
  return row!.n;
}

describe("crash safety", () => {
  it("replays from the durable record after the object is aborted between commit and reply", async () => {
    const store = await createStore();
    const key = unique("crash");
    const body = draftBody();
    const command = await createCommand(store, key, body);
    // The command commits inside the object; the reply is dropped and the object dies before anyone reads it.
    const lost = await runInDurableObject(stub(store.id), (instance: OrderStream) => instance.createOrder(command));
    expect(lost.ok).toBe(true);
    await abortAllDurableObjects();

    const retry = await postOrder(store, body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(lost.ok && retry.body.id).toBe(lost.ok && lost.order.id);
    expect(await countFor(store.id)).toEqual({ orders: 1, events: 1 });
  });

  it("replays after an eviction too", async () => {
    const store = await createStore();
    const key = unique("evict");
    const first = await postOrder(store, draftBody(), key);
    await evictDurableObject(stub(store.id));
    const retry = await postOrder(store, draftBody({ lines: first.body.lines.map(({ title, quantity, unit_price_cents }: any) => ({ title, quantity, unit_price_cents })) }), key);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.body.id).toBe(first.body.id);
    expect(await countFor(store.id)).toEqual({ orders: 1, events: 1 });
  });

  it("never duplicates when requests are aborted in flight and retried", async () => {
    const store = await createStore();
    const body = draftBody();
    const keys = Array.from({ length: 10 }, () => unique("inflight"));
    // Abort every object as soon as the first reply is back, while the others are queued at or
    // running in the order stream: some commit and lose their reply, some never run. (Locally D1 is
    // a Durable Object too, so a few fail earlier, in authentication; all of them are 5xx.)
    const inFlight = keys.map((key) => postOrder(store, body, key));
    await Promise.race(inFlight);
    await abortAllDurableObjects();
    const firstTry = await Promise.all(inFlight);
    for (const res of firstTry) expect([201, 500, 503]).toContain(res.status);

    const retries = await Promise.all(keys.map((key) => postOrder(store, body, key)));
    expect(retries.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(retries.map((r) => r.body.id)).size).toBe(10);
    for (const [i, res] of firstTry.entries()) {
      if (res.status === 201) expect(retries[i]!.body.id).toBe(res.body.id);
    }
    expect(await countFor(store.id)).toEqual({ orders: 10, events: 10 });
  });

  it("re-arms the relay on start when events were committed without an alarm", async () => {
    const store = await createStore();
    await createDraft(store);
    await runInDurableObject(stub(store.id), async (_instance, state) => {
      await state.storage.deleteAlarm();
    });
    await abortAllDurableObjects();
    await call("GET", "/v1/orders/count", { token: store.key });
    const alarm = await runInDurableObject(stub(store.id), (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
  });
});

describe("outbox relay (alarm)", () => {
  it("arms an alarm with the command and delivers every event in order", async () => {
    const store = await createStore();
    const probe = await probeRelay(store.id);
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createDraft(store));
    expect(await runInDurableObject(stub(store.id), (_instance, state) => state.storage.getAlarm())).not.toBeNull();
    // Whether the alarm already ran on its own or runs now, the queue must have got every event once, in commit order.
    await runDurableObjectAlarm(stub(store.id));
    await expect.poll(() => probe.sent.length, { timeout: 5_000 }).toBe(3);
    expect(probe.sent.map((e) => [e.type, e.data.order.id])).toEqual(created.map((o) => ["order.created", o.id]));
    expect(probe.sent.every((e) => e.store_id === store.id)).toBe(true);
    expect(await undelivered(store.id)).toBe(0);
  });

  it("still delivers every event when the relay fails once after sending", async () => {
    const store = await createStore();
    const probe = await probeRelay(store.id, 1);
    const orders = await Promise.all(Array.from({ length: 3 }, () => createDraft(store)));

    const failures: unknown[] = [];
    for (let attempt = 0; attempt < 5 && (await undelivered(store.id)) > 0; attempt++) {
      try {
        await runDurableObjectAlarm(stub(store.id));
      } catch (error) {
        failures.push(error);
        // The failing run scheduled its own retry with backoff.
        expect(await runInDurableObject(stub(store.id), (_i, state) => state.storage.getAlarm())).not.toBeNull();
      }
    }
    expect(await undelivered(store.id)).toBe(0);
    expect(probe.failAfterSend).toBe(0);
    expect(failures.length).toBeLessThanOrEqual(1);
    const [meta] = await objectSql<{ value: number }>(store.id, "SELECT value FROM stream_meta WHERE key = 'relay_failures'");
    expect(meta!.value).toBe(0);

    // Every event reached the queue at least once (the failed batch twice); consumers dedupe on the event id.
    const ids = orders.map((o) => o.id);
    expect(new Set(probe.sent.map((e) => e.data.order.id))).toEqual(new Set(ids));
    expect(probe.sent.length).toBeGreaterThan(3);
  });

  it("purges idempotency records after 24 h and delivered events after 7 days", async () => {
    const store = await createStore();
    const key = unique("old");
    const first = await postOrder(store, draftBody(), key);
    await runDurableObjectAlarm(stub(store.id));
    const dayAndABit = 25 * 60 * 60 * 1000;
    const week = 8 * 24 * 60 * 60 * 1000;
    await objectSql(store.id, "UPDATE idempotency_records SET created_at = created_at - ?", dayAndABit);
    await objectSql(store.id, "UPDATE outbox SET delivered_at = delivered_at - ?", week);
    // Expired but not yet purged: the key is already free.
    const reuse = await postOrder(store, draftBody({ notes: "another body" }), key);
    expect(reuse.status).toBe(201);
    expect(reuse.body.id).not.toBe(first.body.id);

    await runDurableObjectAlarm(stub(store.id));
    const events = await objectSql<{ order_id: string }>(store.id, "SELECT order_id FROM outbox");
    expect(events.map((e) => e.order_id)).toEqual([reuse.body.id]);
    const records = await objectSql(store.id, "SELECT idempotency_key FROM idempotency_records");
    expect(records).toHaveLength(1);
    // A purge alarm stays scheduled while records remain.
    expect(await runInDurableObject(stub(store.id), (_i, state) => state.storage.getAlarm())).not.toBeNull();
  });
});

describe("the object", () => {
  it("versions its schema by the generated migrations", async () => {
    const store = await createStore();
    await createDraft(store);
    const [meta] = await objectSql<{ value: number }>(store.id, "SELECT value FROM stream_meta WHERE key = 'schema_version'");
    expect(meta!.value).toBe(objectMigrations.journal.entries.length);
  });

  it("rolls back a refused command entirely", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const refused = await stub(store.id).transitionOrder({
      storeId: store.id,
      orderId: order.id,
      action: "ship",
      expectedVersion: 1,
      idempotency: { method: "POST", route: "/v1/orders/{id}/ship", key: "k", requestHash: "h" },
    });
    expect(refused).toEqual({ ok: false, failure: expect.objectContaining({ code: "invalid_transition" }) });
    expect(await objectSql(store.id, "SELECT * FROM idempotency_records WHERE idempotency_key = 'k'")).toEqual([]);
    expect(await objectSql(store.id, "SELECT type FROM outbox")).toEqual([{ type: "order.created" }]);
  });
});
