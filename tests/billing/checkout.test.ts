import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { checkoutCart, resumeStalledCheckouts } from "../../src/modules/billing";
import { call, createStore, expectProblem, unique } from "../helpers";
import { checkout, count, inventory, product, readyCart } from "./support";

describe("POST /v1/carts/{id}/checkout", () => {
  it("pays, bills, orders and completes the cart; the key replays the answer", async () => {
    const store = await createStore();
    const mug = await product(store.key, { price_cents: 1250, inventory: 10 });
    const cartId = await readyCart(store, [{ product_id: mug, quantity: 2 }]);
    const key = unique("k");
    const res = await checkout(store, cartId, key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ payment_status: "paid", order_url: `/v1/orders/${res.body.order_id}` });
    expect(await inventory(mug)).toBe(8);
    const invoice = await call("GET", `/v1/invoices/${res.body.invoice_id}`, { token: store.key });
    expect(invoice.body).toMatchObject({ state: "collected", total_cents: 2500, order_id: res.body.order_id, paid_by: { gift_card_cents: 0, credit_cents: 0, payment_cents: 2500 }, payment: { status: "succeeded", brand: "visa", last4: "4242" } });
    expect(invoice.body.lines).toEqual([expect.objectContaining({ kind: "item", product_id: mug, quantity: 2, amount_cents: 2500 })]);
    const order = await call("GET", `/v1/orders/${res.body.order_id}`, { token: store.key });
    expect(order.body).toMatchObject({ status: "closed", total_cents: 2500, metadata: { invoice_id: res.body.invoice_id } });
    expect((await call("GET", `/v1/carts/${cartId}`, { token: store.key })).status).toBe(404);
    const again = await checkout(store, cartId, key);
    expect(again.body).toEqual(res.body);
    expectProblem(await checkout(store, cartId), 404, "not_found");
    expectProblem(await call("POST", `/v1/carts/${cartId}/checkout`, { token: store.key }), 400, "idempotency_key_missing");
  });

  it("refuses an incomplete cart with its reasons, before writing anything", async () => {
    const store = await createStore();
    const created = await call("POST", "/v1/carts", { token: store.key, body: {} });
    const res = await checkout(store, created.body.id);
    expectProblem(res, 422, "checkout_incomplete");
    expect(res.body.incomplete_reasons.map((r: { code: string }) => r.code)).toEqual(["no_items", "email_required", "no_delivery_address", "no_payment_method"]);
    expect(await count("SELECT count(*) AS n FROM invoices WHERE store_id = ?", store.id)).toBe(0);
  });

  it("stock 5 and 20 concurrent checkouts of 1 unit each: 5 orders, 15 out_of_stock, stock 0, no invoice or charge for the refused", async () => {
    const store = await createStore();
    const lamp = await product(store.key, { inventory: 20 });
    const cartIds = await Promise.all(Array.from({ length: 20 }, () => readyCart(store, [{ product_id: lamp, quantity: 1 }])));
    await call("POST", `/v1/products/${lamp}/inventory`, { token: store.key, body: { set: 5 } });
    const answers = await Promise.all(cartIds.map((id) => checkout(store, id)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 422);
    expect(refused).toHaveLength(15);
    expect(refused.every((a) => a.body.code === "out_of_stock")).toBe(true);
    expect(await inventory(lamp)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM invoices WHERE store_id = ?", store.id)).toBe(5);
    expect(await count("SELECT count(*) AS n FROM invoices WHERE store_id = ? AND state = 'collected'", store.id)).toBe(5);
    expect(await count("SELECT count(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(5);
    expect((await call("GET", "/v1/orders?limit=100", { token: store.key })).body.data).toHaveLength(5);
  });

  it("two concurrent checkouts of one cart and a retry with the same key: one charge, one invoice, one order, three identical answers", async () => {
    const store = await createStore();
    const mug = await product(store.key);
    const cartId = await readyCart(store, [{ product_id: mug, quantity: 1 }]);
    const key = unique("same");
    const [a, b] = await Promise.all([checkout(store, cartId, key), checkout(store, cartId, key)]);
    const c = await checkout(store, cartId, key);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    expect(c.body).toEqual(a.body);
    expect(await count("SELECT count(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM invoices WHERE store_id = ?", store.id)).toBe(1);
    expect((await call("GET", "/v1/orders", { token: store.key })).body.data).toHaveLength(1);
  });

  for (const step of ["reserve", "charge", "order"] as const) {
    it(`a crash after the ${step} step: the retry completes with one charge, one invoice, one order`, async () => {
      const store = await createStore();
      const mug = await product(store.key, { inventory: 3 });
      const cartId = await readyCart(store, [{ product_id: mug, quantity: 1 }]);
      const db = createDb(env.DB);
      const caller = { kind: "store" as const, storeId: store.id, credentialId: store.keyId };
      const request = { key: unique("crash"), requestHash: "h" };
      const defer = (p: Promise<unknown>) => createExecutionContext().waitUntil(p.catch(() => undefined));
      await expect(checkoutCart(db, env, caller, cartId, request, defer, { after: (s) => { if (s === step) throw new Error(`injected crash after ${s}`); } })).rejects.toThrow(/injected/);
      const answer = await checkoutCart(db, env, caller, cartId, request, defer);
      expect(answer.status).toBe(200);
      expect(await count("SELECT count(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(1);
      expect(await count("SELECT count(*) AS n FROM invoices WHERE store_id = ?", store.id)).toBe(1);
      expect((await call("GET", "/v1/orders", { token: store.key })).body.data).toHaveLength(1);
      expect(await inventory(mug)).toBe(2);
    });
  }

  it("a checkout abandoned after its batch (no retry) is finished by the resume cron: one charge, one order", async () => {
    const store = await createStore();
    const mug = await product(store.key, { inventory: 3 });
    const cartId = await readyCart(store, [{ product_id: mug, quantity: 1 }]);
    const db = createDb(env.DB);
    const caller = { kind: "store" as const, storeId: store.id, credentialId: store.keyId };
    const defer = (p: Promise<unknown>) => createExecutionContext().waitUntil(p.catch(() => undefined));
    await expect(checkoutCart(db, env, caller, cartId, { key: unique("gone"), requestHash: "h" }, defer, { after: () => { throw new Error("injected crash"); } })).rejects.toThrow(/injected/);
    expect(await resumeStalledCheckouts(env)).toEqual({ resumed: 0 }); // not two minutes old yet
    await env.DB.prepare("UPDATE invoices SET created_at = ? WHERE store_id = ?").bind(new Date(Date.now() - 180_000).toISOString(), store.id).run();
    expect(await resumeStalledCheckouts(env)).toEqual({ resumed: 1 });
    expect(await resumeStalledCheckouts(env)).toEqual({ resumed: 0 });
    expect(await count("SELECT count(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM invoices WHERE store_id = ? AND state = 'collected' AND order_id IS NOT NULL", store.id)).toBe(1);
    expect((await call("GET", "/v1/orders", { token: store.key })).body.data).toHaveLength(1);
  });
});
