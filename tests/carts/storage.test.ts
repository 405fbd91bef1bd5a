import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CartObject } from "../../src/modules/carts";
import type { CartState } from "../../src/modules/carts/carts.state";
import type { EventMessage } from "../../src/modules/events";
import { newId } from "../../src/shared/ids";
import { call, createStore, expectProblem } from "../helpers";
import { anonymousCart, product } from "./support";

const stubOf = (id: string) => env.CART_OBJECT.get(env.CART_OBJECT.idFromName(id)) as DurableObjectStub<CartObject>;

/** Rows as the object stores them now (test-only look inside). */
async function rows(id: string) {
  return runInDurableObject(stubOf(id), (_instance, state) => ({
    lines: state.storage.sql.exec("SELECT seq, id, quantity FROM cart_lines ORDER BY seq").toArray(),
    outbox: state.storage.sql.exec("SELECT seq, event FROM cart_outbox ORDER BY seq").toArray(),
    kv: [...state.storage.kv.list()].map(([key]) => key),
  }));
}

/** Test-only: records what the live object's relay hands to the queue (until it is evicted). */
async function probeRelay(id: string) {
  const sent: EventMessage[][] = [];
  await runInDurableObject(stubOf(id), (instance) => {
    const holder = instance as unknown as { env: Cloudflare.Env };
    const real = holder.env.ORDER_EVENTS;
    const wrapped = {
      async sendBatch(messages: Iterable<MessageSendRequest<EventMessage>>, options?: QueueSendBatchOptions) {
        const list = [...messages];
        await real.sendBatch(list as never, options);
        sent.push(list.map((m) => m.body));
      },
    };
    holder.env = { ...holder.env, ORDER_EVENTS: wrapped as unknown as Queue };
  });
  return sent;
}

describe("carts: the object's tables", () => {
  it("an add writes the line's row and one outbox row; lines keep their order; the relay sends a burst in one batch and empties the outbox", async () => {
    const store = await createStore();
    const [mug, lamp] = [await product(store.key), await product(store.key)];
    const cart = await anonymousCart(store.id);
    const sent = await probeRelay(cart.id);
    for (const p of [mug, lamp, mug]) await call("POST", `/v1/carts/${cart.id}/items`, { token: cart.token, body: { product_id: p, quantity: 2 } });
    const before = await rows(cart.id);
    expect(before.lines.map((l) => l.quantity)).toEqual([4, 2]);
    expect(before.outbox).toHaveLength(3);
    expect(before.kv).toEqual([]);
    await runDurableObjectAlarm(stubOf(cart.id));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((e) => [e.type, e.resource_version])).toEqual([
      ["cart.item_added", 2],
      ["cart.item_added", 3],
      ["cart.item_added", 4],
    ]);
    expect((await rows(cart.id)).outbox).toEqual([]);
    const removed = await call("DELETE", `/v1/carts/${cart.id}/items/${(await call("GET", `/v1/carts/${cart.id}`, { token: cart.token })).body.items[0].id}`, { token: cart.token });
    expect(removed.body.items.map((i: { product_id: string }) => i.product_id)).toEqual([lamp]);
    await call("POST", `/v1/carts/${cart.id}/items`, { token: cart.token, body: { product_id: mug, quantity: 1 } });
    await evictDurableObject(stubOf(cart.id));
    const reloaded = await call("GET", `/v1/carts/${cart.id}`, { token: cart.token });
    expect(reloaded.body.items.map((i: { product_id: string; quantity: number }) => [i.product_id, i.quantity])).toEqual([
      [lamp, 2],
      [mug, 1],
    ]);
    expect(reloaded.body.version).toBe(6);
  });

  it("events committed before an eviction are relayed by the reloaded object", async () => {
    const store = await createStore();
    const mug = await product(store.key);
    const cart = await anonymousCart(store.id);
    await call("POST", `/v1/carts/${cart.id}/items`, { token: cart.token, body: { product_id: mug, quantity: 1 } });
    await evictDurableObject(stubOf(cart.id));
    const sent = await probeRelay(cart.id); // reloads the object, which re-arms the relay
    expect((await rows(cart.id)).outbox).toHaveLength(1);
    await runDurableObjectAlarm(stubOf(cart.id));
    expect(sent.flat().map((e) => e.type)).toEqual(["cart.item_added"]);
    expect((await rows(cart.id)).outbox).toEqual([]);
  });

  it("a cart stored by the first layout (state and outbox documents) loads, keeps working and moves into the tables once", async () => {
    const store = await createStore();
    const mug = await product(store.key, { price_cents: 700 });
    const id = newId("cart");
    const now = new Date().toISOString();
    const legacy: CartState = {
      id,
      storeId: store.id,
      customerId: null,
      tokenHash: null,
      currency: "USD",
      email: "old@example.com",
      status: "open",
      version: 3,
      lines: [
        { id: newId("cli"), productId: mug, title: "Old mug", unitPriceCents: 700, quantity: 2, inventory: 100, live: true, addedAt: now },
        { id: newId("cli"), productId: "prod_gone", title: "Gone", unitPriceCents: 100, quantity: 1, inventory: 0, live: false, addedAt: now },
      ],
      discounts: [],
      addresses: [],
      paymentMethods: [],
      selectedAddressId: null,
      selectedPaymentMethodId: null,
      settings: { taxRateBps: 0, shippingFlatCents: 0, freeShippingOverCents: null, maxItemQuantity: 99, expirySeconds: 3600 },
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      refreshedAt: Date.now(),
    };
    const pending: EventMessage = { id: newId("evt"), store_id: store.id, type: "cart.item_added", resource_type: "cart", resource_id: id, resource_version: 3, created_at: now, data: { cart_id: id, product_id: mug, quantity: 2, day: now.slice(0, 10) } };
    await runInDurableObject(stubOf(id), async (_instance, state) => {
      await state.storage.put({ cart: legacy, outbox: [pending] });
    });
    await evictDurableObject(stubOf(id));
    const read = await call("GET", `/v1/carts/${id}`, { token: store.key });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ version: 3, email: "old@example.com", subtotal_cents: 1500 });
    expect(read.body.items.map((i: { title: string; quantity: number }) => [i.title, i.quantity])).toEqual([
      ["Old mug", 2],
      ["Gone", 1],
    ]);
    const moved = await rows(id);
    expect(moved.kv).toEqual([]);
    expect(moved.lines).toHaveLength(2);
    expect(moved.outbox.map((o) => JSON.parse(String(o.event)).id)).toEqual([pending.id]);
    const added = await call("POST", `/v1/carts/${id}/items`, { token: store.key, body: { product_id: mug, quantity: 1 } });
    expect(added.body).toMatchObject({ version: 4 });
    expect(added.body.items[0]).toMatchObject({ quantity: 3 });
    await runDurableObjectAlarm(stubOf(id));
    expect((await rows(id)).outbox).toEqual([]);
    // The first layout's pending event reaches the event log like any other.
    await expect.poll(() => env.DB.prepare("SELECT id FROM events WHERE id = ?").bind(pending.id).first(), { timeout: 10_000 }).toEqual({ id: pending.id });
  });

  it("a read of a cart that never existed writes nothing", async () => {
    const store = await createStore();
    const id = newId("cart");
    expectProblem(await call("GET", `/v1/carts/${id}`, { token: store.key }), 404, "not_found");
    const tables = await runInDurableObject(stubOf(id), (_instance, state) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'cart%'").toArray());
    expect(tables).toEqual([]);
  });
});
