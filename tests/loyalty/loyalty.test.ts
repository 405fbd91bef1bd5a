import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { earnStamps } from "../../src/modules/loyalty";
import { type TestStore, call, createStore, expectProblem, unique } from "../helpers";
import { until } from "../campaigns/support";
import { product } from "../carts/support";

async function program(store: TestStore, body: Record<string, unknown>) {
  const res = await call("PUT", "/v1/loyalty/program", { token: store.key, body: { enabled: true, voucher: { amount_off_cents: 500 }, ...body } });
  if (res.status !== 200) throw new Error(`program ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function customer(store: TestStore) {
  return (await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com`, password: "correct horse battery" } })).body.id as string;
}

/** A paid order (created, confirmed, closed) through the API. */
async function paidOrder(store: TestStore, customerId: string, lines: Array<{ product_id: string; quantity: number }>) {
  const created = await call("POST", "/v1/orders", { token: store.key, headers: { "Idempotency-Key": unique("o") }, body: { customer_id: customerId, lines } });
  if (created.status !== 201) throw new Error(`order ${created.status} ${JSON.stringify(created.body)}`);
  const confirmed = await call("POST", `/v1/orders/${created.body.id}/confirm`, { token: store.key, headers: { "If-Match": '"1"' } });
  const closed = await call("POST", `/v1/orders/${created.body.id}/close`, { token: store.key, headers: { "If-Match": `"${confirmed.body.version}"` } });
  expect(closed.status).toBe(200);
  return closed.body as { id: string; version: number; [k: string]: unknown };
}

const loyalty = async (store: TestStore, customerId: string) => (await call("GET", `/v1/customers/${customerId}/loyalty`, { token: store.key })).body;

/** An order event as the bus delivers it, for handler-level tests (duplicates, order, concurrency). */
function orderEvent(storeId: string, order: Record<string, unknown>, type = "order.closed") {
  return { id: `evt_${crypto.randomUUID().replaceAll("-", "")}`, store_id: storeId, type, resource_type: "order", resource_id: String(order.id), resource_version: 1, created_at: new Date().toISOString(), data: { order } };
}

async function apply(event: ReturnType<typeof orderEvent>) {
  const db = createDb(env.DB);
  const statements = await earnStamps.handle(event, { db, env });
  if (statements.length > 0) await db.batch(statements as never);
}

describe("loyalty: earning and conversion", () => {
  it("the seed: 26 earning and 30 other units make 2 vouchers and leave 6; 7 stamps then an order of 3 make 1 voucher and 0", async () => {
    const store = await createStore();
    const widget = await product(store.key, { inventory: 1000 });
    const other = await product(store.key, { inventory: 1000 });
    await program(store, { earn_product_ids: [widget] });
    const cus = await customer(store);
    await paidOrder(store, cus, [{ product_id: widget, quantity: 26 }, { product_id: other, quantity: 30 }]);
    const after = await until(() => loyalty(store, cus), (l) => l.vouchers.counts.available === 2);
    expect(after.stamps).toBe(6);
    expect(after.vouchers.available[0]).toMatchObject({ amount_off_cents: 500, currency: "USD", state: "available", source: "converted" });
    // Both rows come from one batch (the same instant): compare without their order.
    expect(after.ledger.data.map((e: { kind: string; stamps: number }) => [e.kind, e.stamps]).sort()).toEqual([["converted", -20], ["earned", 26]]);

    const next = await customer(store);
    expect((await call("POST", `/v1/customers/${next}/stamps`, { token: store.key, body: { stamps: 7, reason: "welcome" } })).body.stamps).toBe(7);
    expect((await loyalty(store, next)).vouchers.counts.available).toBe(0);
    await paidOrder(store, next, [{ product_id: widget, quantity: 3 }]);
    const converted = await until(() => loyalty(store, next), (l) => l.vouchers.counts.available === 1);
    expect(converted.stamps).toBe(0);
  });

  it("4 unspent + 2 spent stamps and 3 + 2 vouchers read as 4 and 3; another customer's never show", async () => {
    const store = await createStore();
    const widget = await product(store.key, { inventory: 1000 });
    await program(store, { earn_product_ids: [widget], stamps_per_voucher: 2 });
    const cus = await customer(store);
    const other = await customer(store);
    await call("POST", `/v1/customers/${other}/vouchers`, { token: store.key, body: { reason: "theirs" } });
    await paidOrder(store, cus, [{ product_id: widget, quantity: 2 }]);
    await until(() => loyalty(store, cus), (l) => l.vouchers.counts.available === 1);
    await call("POST", `/v1/customers/${cus}/stamps`, { token: store.key, body: { stamps: 4, reason: "apology" } });
    const granted = [];
    for (let i = 0; i < 4; i++) granted.push((await call("POST", `/v1/customers/${cus}/vouchers`, { token: store.key, body: { reason: "promo" } })).body.id);
    for (const id of granted.slice(0, 2)) expect((await call("POST", `/v1/vouchers/${id}/redeem`, { token: store.key, body: {} })).status).toBe(200);
    const read = await loyalty(store, cus);
    expect(read.stamps).toBe(4);
    expect(read.vouchers.counts).toEqual({ available: 3, redeemed: 2, expired: 0 });
    const theirs = await loyalty(store, other);
    expect(theirs.vouchers.available.every((v: { customer_id: string }) => v.customer_id === other)).toBe(true);
    expect(read.vouchers.available.every((v: { customer_id: string }) => v.customer_id === cus)).toBe(true);
  });

  it("the same event twice and out of order earns once; a cancellation reverses, and one arriving first blocks the earning", async () => {
    const store = await createStore();
    const widget = await product(store.key);
    await program(store, { earn_product_ids: [widget] });
    const cus = await customer(store);
    const paidAt = new Date().toISOString();
    const order = { id: `ord_${unique("x")}`, status: "closed", customer_id: cus, closed_at: paidAt, delivered_at: null, canceled_at: null, lines: [{ product_id: widget, quantity: 4 }] };
    const delivered = orderEvent(store.id, { ...order, status: "delivered", delivered_at: paidAt }, "order.delivered");
    const closed = orderEvent(store.id, order);
    await apply(delivered);
    await apply(closed);
    await apply(closed);
    expect((await loyalty(store, cus)).stamps).toBe(4);
    await apply(orderEvent(store.id, { ...order, status: "canceled", canceled_at: paidAt }, "order.canceled"));
    await apply(orderEvent(store.id, { ...order, status: "canceled", canceled_at: paidAt }, "order.canceled"));
    expect((await loyalty(store, cus)).stamps).toBe(0);

    const early = { ...order, id: `ord_${unique("y")}` };
    await apply(orderEvent(store.id, { ...early, status: "canceled" }, "order.canceled"));
    await apply(orderEvent(store.id, early));
    expect((await loyalty(store, cus)).stamps).toBe(0);
  });

  it("concurrent orders crossing a block never spend a stamp twice; 50 concurrent events for one customer: the ledger sums match", async () => {
    const store = await createStore();
    const widget = await product(store.key);
    await program(store, { earn_product_ids: [widget] });
    const cus = await customer(store);
    const paidAt = new Date().toISOString();
    const make = (q: number) => orderEvent(store.id, { id: `ord_${unique("c")}`, status: "closed", customer_id: cus, closed_at: paidAt, delivered_at: null, canceled_at: null, lines: [{ product_id: widget, quantity: q }] });
    await Promise.all([apply(make(6)), apply(make(6))]);
    const two = await loyalty(store, cus);
    expect([two.stamps, two.vouchers.counts.available]).toEqual([2, 1]);
    await Promise.all(Array.from({ length: 50 }, () => apply(make(1))));
    const fifty = await loyalty(store, cus);
    expect(fifty.vouchers.counts.available).toBe(Math.floor(62 / 10));
    expect(fifty.stamps).toBe(62 % 10);
    const sums = await env.DB.prepare("SELECT sum(stamps) AS s, sum(vouchers) AS v FROM stamp_ledger WHERE store_id = ? AND customer_id = ?").bind(store.id, cus).first<{ s: number; v: number }>();
    expect(sums).toEqual({ s: 2, v: 6 });
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM vouchers WHERE store_id = ? AND customer_id = ?").bind(store.id, cus).first<{ n: number }>();
    expect(rows?.n).toBe(6);
  });

  it("quantity 0, negative, fractional or over the store maximum: 400 and nothing earned", async () => {
    const store = await createStore();
    const widget = await product(store.key);
    await program(store, { earn_product_ids: [widget] });
    const cus = await customer(store);
    for (const quantity of [0, -2, 1.5, 101]) {
      const res = await call("POST", "/v1/orders", { token: store.key, headers: { "Idempotency-Key": unique("q") }, body: { customer_id: cus, lines: [{ product_id: widget, quantity }] } });
      expectProblem(res, 400, "validation_failed");
    }
    expect((await loyalty(store, cus)).stamps).toBe(0);
  });
});

describe("loyalty: grants and redemption", () => {
  it("a customer session granting itself stamps or vouchers is 403; redeeming twice is 409; someone else's voucher is 404", async () => {
    const store = await createStore();
    const other = await createStore();
    await program(store, {});
    const email = `${unique("me")}@example.com`;
    const cus = (await call("POST", "/v1/customers", { token: store.key, body: { email, password: "correct horse battery" } })).body.id;
    const session = (await call("POST", "/v1/auth/login", { body: { store_id: store.id, email, password: "correct horse battery" } })).body.token;
    expectProblem(await call("POST", `/v1/customers/${cus}/stamps`, { token: session, body: { stamps: 100, reason: "me" } }), 403, "forbidden");
    expectProblem(await call("POST", `/v1/customers/${cus}/vouchers`, { token: session, body: { reason: "me" } }), 403, "forbidden");
    const mine = (await call("POST", `/v1/customers/${cus}/vouchers`, { token: store.key, body: { reason: "gift" } })).body;
    const someone = await customer(store);
    const theirs = (await call("POST", `/v1/customers/${someone}/vouchers`, { token: store.key, body: { reason: "gift" } })).body;
    expectProblem(await call("POST", `/v1/vouchers/${theirs.id}/redeem`, { token: session, body: {} }), 404, "not_found");
    expectProblem(await call("POST", `/v1/vouchers/${mine.id}/redeem`, { token: other.key, body: {} }), 404, "not_found");
    const redeemed = await Promise.all(Array.from({ length: 5 }, () => call("POST", `/v1/vouchers/${mine.id}/redeem`, { token: session, body: {} })));
    expect(redeemed.filter((r) => r.status === 200)).toHaveLength(1);
    expect(redeemed.filter((r) => r.status === 409).every((r) => r.body.code === "voucher_already_redeemed")).toBe(true);
    const me = await call("GET", "/v1/me/loyalty", { token: session });
    expect(me.body.vouchers.counts).toEqual({ available: 0, redeemed: 1, expired: 0 });
    await env.DB.prepare("UPDATE vouchers SET expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), theirs.id).run();
    const expired = await call("POST", `/v1/vouchers/${theirs.id}/redeem`, { token: store.key, body: {} });
    expectProblem(expired, 422, "business_rule_violation");
  });
});
