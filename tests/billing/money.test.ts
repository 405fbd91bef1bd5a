import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { type TestStore, call, createStore, expectProblem, unique } from "../helpers";
import { until } from "../campaigns/support";
import { checkout, inventory, product, readyCart } from "./support";

async function customer(store: TestStore) {
  const res = await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com` } });
  return res.body.id as string;
}

async function giftCard(store: TestStore, amount: number) {
  return (await call("POST", "/v1/gift-cards", { token: store.key, body: { amount_cents: amount } })).body as { id: string; code: string };
}

async function credit(store: TestStore, customerId: string, amount: number) {
  const res = await call("POST", `/v1/customers/${customerId}/credits`, { token: store.key, body: { amount_cents: amount, reason: "goodwill" } });
  if (res.status !== 201) throw new Error(`credit ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

const balance = async (table: "gift_cards" | "customer_credits", id: string) => (await env.DB.prepare(`SELECT balance_cents AS b FROM ${table} WHERE id = ?`).bind(id).first<{ b: number }>())!.b;

async function addCode(store: TestStore, cartId: string, code: string) {
  const res = await call("POST", `/v1/carts/${cartId}/discounts`, { token: store.key, body: { code } });
  if (res.status >= 300) throw new Error(`discount ${res.status} ${JSON.stringify(res.body)}`);
}

describe("checkout money", () => {
  it("the flask example: 5000 with a 500 gift card and 1000 credit: gift card 500, credit 1000, charged 3500, both balances 0", async () => {
    const store = await createStore();
    const item = await product(store.key, { price_cents: 5000 });
    const cus = await customer(store);
    const card = await giftCard(store, 500);
    const creditId = await credit(store, cus, 1000);
    const cartId = await readyCart(store, [{ product_id: item, quantity: 1 }], { customerId: cus });
    await addCode(store, cartId, card.code);
    const res = await checkout(store, cartId);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const invoice = (await call("GET", `/v1/invoices/${res.body.invoice_id}`, { token: store.key })).body;
    expect(invoice).toMatchObject({ total_cents: 5000, paid_by: { gift_card_cents: 500, credit_cents: 1000, payment_cents: 3500 }, state: "collected" });
    const charge = await env.DB.prepare("SELECT amount_cents FROM payment_charges WHERE store_id = ?").bind(store.id).first<{ amount_cents: number }>();
    expect(charge?.amount_cents).toBe(3500);
    expect(await balance("gift_cards", card.id)).toBe(0);
    expect(await balance("customer_credits", creditId)).toBe(0);
  });

  it("1000 due with a 2000 gift card: nothing charged, the card keeps 1000; credit_first draws credit first", async () => {
    const store = await createStore();
    const item = await product(store.key, { price_cents: 1000 });
    const card = await giftCard(store, 2000);
    const cartId = await readyCart(store, [{ product_id: item, quantity: 1 }]);
    await addCode(store, cartId, card.code);
    const res = await checkout(store, cartId);
    expect(res.body.payment_status).toBe("paid");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM payment_charges WHERE store_id = ?").bind(store.id).first<{ n: number }>()).toEqual({ n: 0 });
    expect(await balance("gift_cards", card.id)).toBe(1000);

    const prefers = await createStore();
    await call("PATCH", "/v1/store", { token: prefers.key, body: { stored_value_order: "credit_first" }, headers: { "If-Match": '"1"' } });
    const item2 = await product(prefers.key, { price_cents: 1000 });
    const cus = await customer(prefers);
    const card2 = await giftCard(prefers, 800);
    const creditId = await credit(prefers, cus, 700);
    const cart2 = await readyCart(prefers, [{ product_id: item2, quantity: 1 }], { customerId: cus });
    await addCode(prefers, cart2, card2.code);
    const paid = await checkout(prefers, cart2);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    const invoice = (await call("GET", `/v1/invoices/${paid.body.invoice_id}`, { token: prefers.key })).body;
    expect(invoice.paid_by).toEqual({ credit_cents: 700, gift_card_cents: 300, payment_cents: 0 });
    expect(await balance("customer_credits", creditId)).toBe(0);
    expect(await balance("gift_cards", card2.id)).toBe(500);
  });

  it("a decline gives back stock, the coupon use and every balance exactly; the cart is unchanged and checks out again", async () => {
    const store = await createStore();
    const item = await product(store.key, { price_cents: 4000, inventory: 7 });
    const cus = await customer(store);
    const card = await giftCard(store, 500);
    const creditId = await credit(store, cus, 300);
    await call("POST", "/v1/coupon-codes", { token: store.key, body: { code: "TENOFF", percent_off: 10 } });
    const cartId = await readyCart(store, [{ product_id: item, quantity: 2 }], { customerId: cus, card: "tok_chargeDeclined" });
    await addCode(store, cartId, card.code);
    await addCode(store, cartId, "TENOFF");
    const snapshot = async () => ({
      stock: await inventory(item),
      gift: await balance("gift_cards", card.id),
      credit: await balance("customer_credits", creditId),
      coupon: (await env.DB.prepare("SELECT times_redeemed AS t FROM coupon_codes WHERE store_id = ?").bind(store.id).first<{ t: number }>())!.t,
      liveRedemptions: (await env.DB.prepare("SELECT count(*) AS n FROM coupon_redemptions WHERE store_id = ? AND reversed_at IS NULL").bind(store.id).first<{ n: number }>())!.n,
    });
    const before = await snapshot();
    const cartBefore = (await call("GET", `/v1/carts/${cartId}`, { token: store.key })).body;
    const res = await checkout(store, cartId);
    expectProblem(res, 422, "payment_declined");
    expect(res.body).toMatchObject({ reason: "payment", payment_method: { type: "test_card", last4: "0002" }, provider_message: "Your card was declined." });
    expect(await snapshot()).toEqual(before);
    const invoice = (await call("GET", `/v1/invoices/${res.body.invoice_id}`, { token: store.key })).body;
    expect(invoice.state).toBe("failed");
    const cartAfter = (await call("GET", `/v1/carts/${cartId}`, { token: store.key })).body;
    expect(cartAfter).toEqual(cartBefore);
    const visa = await call("POST", `/v1/carts/${cartId}/payment-methods`, { token: store.key, body: { type: "test_card", token: "tok_visa" } });
    expect(visa.status).toBeLessThan(300);
    const paid = await checkout(store, cartId);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(await inventory(item)).toBe(5);
  });

  it("a pending payment: order confirmed, invoice open; the signed webhook settles it and the order is paid; a bad signature is 401", async () => {
    const store = await createStore();
    const item = await product(store.key, { price_cents: 900 });
    const cartId = await readyCart(store, [{ product_id: item, quantity: 1 }], { card: "tok_pending" });
    const res = await checkout(store, cartId);
    expect(res.body.payment_status).toBe("pending_payment");
    expect((await call("GET", `/v1/orders/${res.body.order_id}`, { token: store.key })).body.status).toBe("confirmed");
    const invoice = (await call("GET", `/v1/invoices/${res.body.invoice_id}`, { token: store.key })).body;
    expect(invoice).toMatchObject({ state: "open", payment: { status: "pending" } });
    const secret = (await call("GET", "/v1/payments/test-card/webhook-secret", { token: store.key })).body.secret as string;
    const raw = JSON.stringify({ type: "charge.succeeded", data: { store_id: store.id, charge_id: invoice.payment.charge_id } });
    const at = new Date();
    const headers = (id: string, signature: string) => ({ "Content-Type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature });
    const bad = await call("POST", "/v1/webhooks/payments/test_card", { rawBody: raw, headers: headers("msg_bad", new Webhook(secret).sign("msg_bad", at, raw.replace("succeeded", "failed"))) });
    expect(bad.status).toBe(401);
    const good = await call("POST", "/v1/webhooks/payments/test_card", { rawBody: raw, headers: headers("msg_ok", new Webhook(secret).sign("msg_ok", at, raw)) });
    expect(good.status).toBeLessThan(300);
    const order = await until(() => call("GET", `/v1/orders/${res.body.order_id}`, { token: store.key }), (r) => r.body.status === "closed");
    expect(order.body.status).toBe("closed");
    expect((await call("GET", `/v1/invoices/${res.body.invoice_id}`, { token: store.key })).body.state).toBe("collected");
    const replay = await call("POST", "/v1/webhooks/payments/test_card", { rawBody: raw, headers: headers("msg_ok", new Webhook(secret).sign("msg_ok", at, raw)) });
    expect(replay.status).toBeLessThan(300);
    expect((await call("GET", `/v1/orders/${res.body.order_id}`, { token: store.key })).body.version).toBe(order.body.version);
  });
});
