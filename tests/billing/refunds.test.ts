import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type TestStore, call, createStore, expectProblem, unique } from "../helpers";
import { checkout, inventory, product, readyCart } from "./support";

function refund(store: TestStore, invoiceId: string, body: Record<string, unknown> = {}, key = unique("rf")) {
  return call("POST", `/v1/invoices/${invoiceId}/refunds`, { token: store.key, body, headers: { "Idempotency-Key": key } });
}

const invoice = async (store: TestStore, id: string) => (await call("GET", `/v1/invoices/${id}`, { token: store.key })).body;
const balance = async (table: "gift_cards" | "customer_credits", id: string) => (await env.DB.prepare(`SELECT balance_cents AS b FROM ${table} WHERE id = ?`).bind(id).first<{ b: number }>())!.b;
const chargeRefunded = async (storeId: string) => (await env.DB.prepare("SELECT refunded_cents AS r FROM payment_charges WHERE store_id = ?").bind(storeId).first<{ r: number }>())!.r;

async function paidInvoice(store: TestStore, price = 1000, quantity = 1, inventoryLeft = 10) {
  const item = await product(store.key, { price_cents: price, inventory: inventoryLeft });
  const cartId = await readyCart(store, [{ product_id: item, quantity }]);
  const res = await checkout(store, cartId);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { item, ...(res.body as { invoice_id: string; order_id: string }) };
}

describe("POST /v1/invoices/{id}/refunds", () => {
  it("two partial refunds, then a third that would exceed the collected total is refused and changes nothing", async () => {
    const store = await createStore();
    const { invoice_id } = await paidInvoice(store, 1000);
    const first = await refund(store, invoice_id, { amount_cents: 400 });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ amount_cents: 400, status: "succeeded", to: { payment_cents: 400 } });
    expect((await refund(store, invoice_id, { amount_cents: 400 })).status).toBe(201);
    const before = await invoice(store, invoice_id);
    expect(before).toMatchObject({ state: "partially_refunded", refunded_cents: 800 });
    const third = await refund(store, invoice_id, { amount_cents: 300 });
    expectProblem(third, 422, "refund_too_large");
    expect(third.body.refundable_cents).toBe(200);
    expect(await invoice(store, invoice_id)).toEqual(before);
    expect(await chargeRefunded(store.id)).toBe(800);
    expectProblem(await refund(store, invoice_id, { amount_cents: 0 }), 400, "validation_failed");
    expect((await refund(store, invoice_id)).body.amount_cents).toBe(200);
    expectProblem(await refund(store, invoice_id), 409, "already_refunded");
    expect((await invoice(store, invoice_id)).state).toBe("refunded");
    expect((await call("GET", `/v1/invoices/${invoice_id}/refunds`, { token: store.key })).body.data).toHaveLength(3);
  });

  it("gift card and credit parts go back to their sources, the card part through the provider; a key replays", async () => {
    const store = await createStore();
    const item = await product(store.key, { price_cents: 5000 });
    const cus = (await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com` } })).body.id;
    const card = (await call("POST", "/v1/gift-cards", { token: store.key, body: { amount_cents: 500 } })).body;
    const creditId = (await call("POST", `/v1/customers/${cus}/credits`, { token: store.key, body: { amount_cents: 1000, reason: "goodwill" } })).body.id;
    const cartId = await readyCart(store, [{ product_id: item, quantity: 1 }], { customerId: cus });
    await call("POST", `/v1/carts/${cartId}/discounts`, { token: store.key, body: { code: card.code } });
    const { invoice_id } = (await checkout(store, cartId)).body;
    // 4000 back: the card's 3500 first, then 500 of the credit (drawn after the gift card).
    const key = unique("rf");
    const partial = await refund(store, invoice_id, { amount_cents: 4000 }, key);
    expect(partial.body.to).toEqual({ payment_cents: 3500, credit_cents: 500, gift_card_cents: 0, store_credit_cents: 0 });
    expect((await refund(store, invoice_id, { amount_cents: 4000 }, key)).body).toEqual(partial.body);
    expect(await chargeRefunded(store.id)).toBe(3500);
    expect(await balance("customer_credits", creditId)).toBe(500);
    const rest = await refund(store, invoice_id);
    expect(rest.body.to).toEqual({ payment_cents: 0, credit_cents: 500, gift_card_cents: 500, store_credit_cents: 0 });
    expect(await balance("customer_credits", creditId)).toBe(1000);
    expect(await balance("gift_cards", card.id)).toBe(500);
  });

  it("per line with restock returns stock; refunding every line of an unshipped order cancels it; store credit instead", async () => {
    const store = await createStore();
    const { item, invoice_id, order_id } = await paidInvoice(store, 700, 3, 10);
    expect(await inventory(item)).toBe(7);
    const line = (await invoice(store, invoice_id)).lines[0];
    const res = await refund(store, invoice_id, { lines: [{ line_id: line.id }], restock: true });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.lines).toEqual([{ line_id: line.id, amount_cents: 2100, restock_quantity: 3 }]);
    expect(await inventory(item)).toBe(10);
    expect((await call("GET", `/v1/orders/${order_id}`, { token: store.key })).body).toMatchObject({ status: "canceled", cancellation_reason: "customer" });
    expectProblem(await refund(store, invoice_id, { lines: [{ line_id: "il_nope" }] }), 409, "already_refunded");

    const cus = (await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com` } })).body.id;
    const other = await product(store.key, { price_cents: 1500 });
    const cartId = await readyCart(store, [{ product_id: other, quantity: 1 }], { customerId: cus });
    const paid = (await checkout(store, cartId)).body;
    const asCredit = await refund(store, paid.invoice_id, { amount_cents: 600, destination: "store_credit" });
    expect(asCredit.body.to).toEqual({ payment_cents: 0, gift_card_cents: 0, credit_cents: 0, store_credit_cents: 600 });
    const credits = await call("GET", `/v1/customers/${cus}/credits`, { token: store.key });
    expect(credits.body.data.map((c: { balance_cents: number }) => c.balance_cents)).toEqual([600]);
  });

  it("10 concurrent refunds never exceed the collected total", async () => {
    const store = await createStore();
    const { invoice_id } = await paidInvoice(store, 1000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => refund(store, invoice_id, { amount_cents: 300 })));
    const made = answers.filter((a) => a.status === 201);
    expect(made).toHaveLength(3);
    expect(answers.filter((a) => a.status !== 201).every((a) => a.status === 422 || a.status === 409)).toBe(true);
    expect((await invoice(store, invoice_id)).refunded_cents).toBe(900);
    expect(await chargeRefunded(store.id)).toBe(900);
  });

  it("another store's invoice and refunds are 404; an open or failed invoice cannot be refunded", async () => {
    const store = await createStore();
    const other = await createStore();
    const { invoice_id } = await paidInvoice(store);
    expectProblem(await refund(other, invoice_id), 404, "not_found");
    expectProblem(await call("GET", `/v1/invoices/${invoice_id}`, { token: other.key }), 404, "not_found");
    expectProblem(await call("GET", `/v1/invoices/${invoice_id}/refunds`, { token: other.key }), 404, "not_found");
    expect((await call("GET", "/v1/invoices", { token: other.key })).body.data).toEqual([]);
    const pendingCart = await readyCart(store, [{ product_id: await product(store.key), quantity: 1 }], { card: "tok_pending" });
    const pending = (await checkout(store, pendingCart)).body;
    expectProblem(await refund(store, pending.invoice_id), 409, "invalid_transition");
    expectProblem(await call("POST", `/v1/invoices/${invoice_id}/collect`, { token: store.key }), 409, "invoice_not_open");
    const collected = await call("POST", `/v1/invoices/${pending.invoice_id}/collect`, { token: store.key });
    expect(collected.body.state).toBe("collected");
    expect((await call("GET", `/v1/orders/${pending.order_id}`, { token: store.key })).body.status).toBe("closed");
  });
});
