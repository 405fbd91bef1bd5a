import { describe, expect, it } from "vitest";
import { act, createDraft, draftBody, line } from "../orders/fixtures";
import { call, createStore, unique } from "../helpers";

async function createCustomer(store: { key: string }, currency = "USD") {
  const res = await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com`, currency } });
  expect(res.status).toBe(201);
  return res.body;
}

async function pay(store: { key: string }, order: { id: string; version: number }) {
  const confirmed = await act(store as never, order.id, "confirm", order.version);
  expect(confirmed.status).toBe(200);
  const closed = await act(store as never, order.id, "close", confirmed.body.version);
  expect(closed.status).toBe(200);
  return closed.body;
}

describe("customer order figures", () => {
  it("total_spent counts paid orders in the customer's currency; last_order_at the newest placed order", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    expect(customer.total_spent_cents).toBe(0);
    expect(customer.last_order_at).toBeNull();

    const paidA = await pay(store, await createDraft(store, draftBody({ customer_id: customer.id, lines: [line({ quantity: 2, unit_price_cents: 1250 })] })));
    const paidB = await pay(store, await createDraft(store, draftBody({ customer_id: customer.id, lines: [line({ quantity: 1, unit_price_cents: 999 })] })));
    // Not paid: a draft, a confirmed order, a canceled one, and a paid order in another currency.
    await createDraft(store, draftBody({ customer_id: customer.id }));
    const confirmedOnly = await createDraft(store, draftBody({ customer_id: customer.id }));
    await act(store as never, confirmedOnly.id, "confirm", confirmedOnly.version);
    const canceled = await createDraft(store, draftBody({ customer_id: customer.id }));
    await act(store as never, canceled.id, "cancel", canceled.version);
    await pay(store, await createDraft(store, draftBody({ customer_id: customer.id, currency: "EUR" })));
    // Another customer's paid order does not count.
    const other = await createCustomer(store);
    await pay(store, await createDraft(store, draftBody({ customer_id: other.id })));

    const got = await call("GET", `/v1/customers/${customer.id}`, { token: store.key });
    expect(got.status).toBe(200);
    expect(got.body.total_spent_cents).toBe(paidA.total_cents + paidB.total_cents);
    expect(got.body.total_spent_cents).toBe(2500 + 999);
    expect(got.body.last_order_at).not.toBeNull();

    const listed = await call("GET", "/v1/customers?limit=100", { token: store.key });
    const row = listed.body.data.find((c: { id: string }) => c.id === customer.id);
    expect(row.total_spent_cents).toBe(3499);
    expect(listed.body.data.find((c: { id: string }) => c.id === other.id).total_spent_cents).toBe(2500);
  });

  it("the snapshot lists the newest orders, at most five, newest first", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createDraft(store, draftBody({ customer_id: customer.id }))).id);
    const snapshot = await call("GET", `/v1/customers/${customer.id}/snapshot`, { token: store.key });
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.recent_orders).toHaveLength(5);
    const created = snapshot.body.recent_orders.map((o: { created_at: string }) => o.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    for (const order of snapshot.body.recent_orders) expect(ids).toContain(order.id);
    expect(snapshot.body.recent_orders.every((o: { customer_id: string }) => o.customer_id === customer.id)).toBe(true);
  });

  it("never shows another store's orders for a customer id", async () => {
    const a = await createStore();
    const b = await createStore();
    const customer = await createCustomer(a);
    // Store b cannot even place an order for store a's customer.
    const refused = await call("POST", "/v1/orders", { token: b.key, body: draftBody({ customer_id: customer.id }), headers: { "Idempotency-Key": unique("k") } });
    expect(refused.status).toBe(422);
    const got = await call("GET", `/v1/customers/${customer.id}/snapshot`, { token: a.key });
    expect(got.body.total_spent_cents).toBe(0);
    expect(got.body.recent_orders).toEqual([]);
  });
});
