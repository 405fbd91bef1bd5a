import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem } from "../helpers";
import { anonymousCart, customerWithSession, product } from "./support";

describe("carts: the single object", () => {
  it("an anonymous cart's first read: empty, zero totals, not complete, reasons in the documented order", async () => {
    const store = await createStore();
    const cart = await anonymousCart(store.id);
    expect(cart.token).toMatch(/^ct_[0-9A-Za-z]{22}\.[0-9A-Za-z]{32}$/);
    const read = await call("GET", `/v1/carts/${cart.id}`, { token: cart.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ items: [], subtotal_cents: 0, total_cents: 0, amount_due_cents: 0, is_complete: false, version: 1 });
    expect(read.body.incomplete_reasons.map((r: { code: string }) => r.code)).toEqual(["no_items", "email_required", "no_delivery_address", "no_payment_method"]);
    expect(read.headers.get("ETag")).toBe('"1"');
    const again = await call("GET", `/v1/carts/${cart.id}`, { token: cart.token, headers: { "If-None-Match": '"1"' } });
    expect(again.status).toBe(304);
  });

  it("a signed-in customer's cart has no email reason; one item q × u and a 10% coupon give -floor(S/10)", async () => {
    const store = await createStore();
    const shopper = await customerWithSession(store.key, store.id);
    const mug = await product(store.key, { price_cents: 1999 });
    const opened = await call("POST", "/v1/carts", { token: shopper.session, body: {} });
    expect(opened.status).toBe(201);
    expect(opened.body.cart_token).toBeNull();
    const id = opened.body.id;
    expect(opened.body.incomplete_reasons.map((r: { code: string }) => r.code)).not.toContain("email_required");
    const added = await call("POST", `/v1/carts/${id}/items`, { token: shopper.session, body: { product_id: mug, quantity: 3 } });
    expect(added.status).toBe(201);
    expect(added.body.items[0]).toMatchObject({ quantity: 3, unit_price_cents: 1999, line_total_cents: 5997 });
    expect(added.body).toMatchObject({ subtotal_cents: 5997, total_cents: 5997 });
    await call("POST", "/v1/coupon-codes", { token: store.key, body: { code: "TEN", percent_off: 10 } });
    const discounted = await call("POST", `/v1/carts/${id}/discounts`, { token: shopper.session, body: { code: "ten" } });
    expect(discounted.status).toBe(201);
    expect(discounted.body).toMatchObject({ subtotal_cents: 5997, discount_cents: 599, total_cents: 5398 });
    expectProblem(await call("POST", `/v1/carts/${id}/discounts`, { token: shopper.session, body: { code: "NOPE" } }), 422, "code_not_applicable");
  });

  it("tax half up on the discounted subtotal, flat shipping free over a threshold, gift cards reduce what is due", async () => {
    const store = await createStore();
    const settings = await call("GET", "/v1/store", { token: store.key });
    await call("PATCH", "/v1/store", { token: store.key, headers: { "If-Match": settings.headers.get("ETag")! }, body: { tax_rate_bps: 1000, shipping_flat_cents: 500, free_shipping_over_cents: 5000 } });
    const lamp = await product(store.key, { price_cents: 1005 });
    const cart = await call("POST", "/v1/carts", { token: store.key, body: {} });
    const one = await call("POST", `/v1/carts/${cart.body.id}/items`, { token: store.key, body: { product_id: lamp, quantity: 1 } });
    expect(one.body).toMatchObject({ subtotal_cents: 1005, tax_cents: 101, shipping_cents: 500, total_cents: 1606 });
    const five = await call("POST", `/v1/carts/${cart.body.id}/items`, { token: store.key, body: { product_id: lamp, quantity: 4 } });
    expect(five.body).toMatchObject({ subtotal_cents: 5025, tax_cents: 503, shipping_cents: 0, total_cents: 5528 });
    const card = await call("POST", "/v1/gift-cards", { token: store.key, body: { amount_cents: 2000 } });
    const withCard = await call("POST", `/v1/carts/${cart.body.id}/discounts`, { token: store.key, body: { code: card.body.code } });
    expect(withCard.body).toMatchObject({ total_cents: 5528, gift_card_cents: 2000, amount_due_cents: 3528 });
    expect(withCard.body.discounts[0].code).toBe(`••••${card.body.last4}`);
  });

  it("a batch with one bad entry adds nothing; bad quantities are 400 with the field path", async () => {
    const store = await createStore();
    const mug = await product(store.key);
    const cart = await call("POST", "/v1/carts", { token: store.key, body: {} });
    const batch = await call("POST", `/v1/carts/${cart.body.id}/items`, { token: store.key, body: { items: [{ product_id: mug, quantity: 1 }, { product_id: "prod_unknown", quantity: 1 }] } });
    expectProblem(batch, 400, "validation_failed");
    expect(batch.body.errors).toEqual([expect.objectContaining({ path: "items[1].product_id" })]);
    for (const quantity of [0, -1, 2.5, "x"]) {
      const res = await call("POST", `/v1/carts/${cart.body.id}/items`, { token: store.key, body: { product_id: mug, quantity } });
      expectProblem(res, 400, "validation_failed");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain("quantity");
    }
    const nested = await call("POST", `/v1/carts/${cart.body.id}/items`, { token: store.key, body: { items: [{ product_id: mug, quantity: 1 }, { product_id: mug, quantity: 0 }] } });
    expect(nested.body.errors.map((e: { path: string }) => e.path)).toContain("items[1].quantity");
    const read = await call("GET", `/v1/carts/${cart.body.id}`, { token: store.key });
    expect(read.body.items).toEqual([]);
    expect(read.body.version).toBe(1);
  });

  it("50 concurrent adds of one product: one line of 50, version +50; 20 PATCHes with one If-Match: one 200", async () => {
    const store = await createStore();
    const mug = await product(store.key);
    const cart = await anonymousCart(store.id);
    const adds = await Promise.all(Array.from({ length: 50 }, () => call("POST", `/v1/carts/${cart.id}/items`, { token: cart.token, body: { product_id: mug, quantity: 1 } })));
    expect(adds.every((r) => r.status === 201)).toBe(true);
    const read = await call("GET", `/v1/carts/${cart.id}`, { token: cart.token });
    expect(read.body.items).toHaveLength(1);
    expect(read.body.items[0].quantity).toBe(50);
    expect(read.body.version).toBe(51);
    const patches = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call("PATCH", `/v1/carts/${cart.id}`, { token: cart.token, headers: { "If-Match": '"51"' }, body: { email: `n${i}@example.com` } })),
    );
    expect(patches.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(412)]);
    expectProblem(await call("PATCH", `/v1/carts/${cart.id}`, { token: cart.token, headers: { "If-Match": '"52"' }, body: { currency: "EUR" } }), 400, "validation_failed");
    const { results } = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE store_id = ? AND type = 'cart.item_added'").bind(store.id).all<{ n: number }>();
    expect(results[0]!.n).toBeLessThanOrEqual(50);
  });
});

describe("carts: addresses, payment methods, removal", () => {
  it("selects what is added, deselects what is removed, keeps it for history, and saves a customer's address", async () => {
    const store = await createStore();
    const shopper = await customerWithSession(store.key, store.id);
    const cart = await call("POST", "/v1/carts", { token: shopper.session, body: {} });
    const id = cart.body.id;
    const withAddress = await call("POST", `/v1/carts/${id}/addresses`, { token: shopper.session, body: { line1: "1 Harbour St", city: "Sydney", country: "au" } });
    expect(withAddress.status).toBe(201);
    const addressId = withAddress.body.selected_address_id;
    expect(withAddress.body.addresses).toEqual([expect.objectContaining({ id: addressId, country: "AU" })]);
    const saved = await call("GET", `/v1/customers/${shopper.id}/addresses`, { token: store.key });
    expect(saved.body.data ?? saved.body).toEqual(expect.arrayContaining([expect.objectContaining({ line1: "1 Harbour St" })]));
    expectProblem(await call("POST", `/v1/carts/${id}/payment-methods`, { token: shopper.session, body: { type: "test_card", token: "tok_bogus" } }), 400, "validation_failed");
    const withCard = await call("POST", `/v1/carts/${id}/payment-methods`, { token: shopper.session, body: { type: "test_card", token: "tok_visa" } });
    expect(withCard.body.payment_methods).toEqual([{ id: withCard.body.selected_payment_method_id, type: "test_card", brand: "visa", last4: "4242" }]);
    expect(JSON.stringify(withCard.body)).not.toContain("tok_visa");
    const removed = await call("DELETE", `/v1/carts/${id}/addresses/${addressId}`, { token: shopper.session });
    expect(removed.body.selected_address_id).toBeNull();
    expect(removed.body.incomplete_reasons.map((r: { code: string }) => r.code)).toEqual(["no_items", "no_delivery_address"]);
    const mug = await product(store.key);
    const added = await call("POST", `/v1/carts/${id}/items`, { token: shopper.session, body: { product_id: mug, quantity: 1 } });
    const itemId = added.body.items[0].id;
    expect((await call("PATCH", `/v1/carts/${id}/items/${itemId}`, { token: shopper.session, body: { quantity: 7 } })).body.items[0].quantity).toBe(7);
    expect((await call("DELETE", `/v1/carts/${id}/items/${itemId}`, { token: shopper.session })).body.items).toEqual([]);
    expectProblem(await call("DELETE", `/v1/carts/${id}/items/${itemId}`, { token: shopper.session }), 404, "not_found");
  });

  it("a line out of stock or no longer sold shows in the reasons after the catalog changes", async () => {
    const store = await createStore();
    const mug = await product(store.key, { inventory: 2 });
    const gone = await product(store.key);
    const cart = await call("POST", "/v1/carts", { token: store.key, body: {} });
    await call("POST", `/v1/carts/${cart.body.id}/items`, { token: store.key, body: { items: [{ product_id: mug, quantity: 3 }, { product_id: gone, quantity: 1 }] } });
    await call("DELETE", `/v1/products/${gone}`, { token: store.key });
    await new Promise((r) => setTimeout(r, 5_100)); // the cart re-reads the catalog at most every 5 s
    const read = await call("GET", `/v1/carts/${cart.body.id}`, { token: store.key });
    expect(read.body.incomplete_reasons.filter((r: { field: string }) => r.field.startsWith("items"))).toEqual([
      expect.objectContaining({ code: "out_of_stock", field: "items[0]" }),
      expect.objectContaining({ code: "no_longer_sold", field: "items[1]" }),
    ]);
  });
});
