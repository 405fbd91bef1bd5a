import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CartObject } from "../../src/modules/carts";
import { call, createStore, expectProblem } from "../helpers";
import { anonymousCart, customerWithSession, product } from "./support";

describe("carts: who reaches which cart", () => {
  it("another store's cart, another customer's cart and another cart's token are 404; a cart token is never an API key", async () => {
    const store = await createStore();
    const other = await createStore();
    const alice = await customerWithSession(store.key, store.id);
    const bob = await customerWithSession(store.key, store.id);
    const aliceCart = await call("POST", "/v1/carts", { token: alice.session, body: {} });
    const anon = await anonymousCart(store.id);
    const anon2 = await anonymousCart(store.id);
    for (const [token, id] of [
      [other.key, aliceCart.body.id],
      [bob.session, aliceCart.body.id],
      [anon2.token, anon.id],
      [anon.token, aliceCart.body.id],
    ] as const) {
      expectProblem(await call("GET", `/v1/carts/${id}`, { token }), 404, "not_found");
      expectProblem(await call("POST", `/v1/carts/${id}/items`, { token, body: { product_id: "prod_x", quantity: 1 } }), 404, "not_found");
    }
    expect((await call("GET", `/v1/carts/${aliceCart.body.id}`, { token: store.key })).status).toBe(200);
    expect((await call("GET", `/v1/carts/${aliceCart.body.id}`, { token: alice.session })).status).toBe(200);
    expectProblem(await call("GET", "/v1/products", { token: anon.token }), 401, "unauthenticated");
    expectProblem(await call("GET", `/v1/carts/${anon.id}`), 401, "unauthenticated");
    expectProblem(await call("POST", "/v1/carts", { token: anon.token, body: {} }), 403, "forbidden");
  });

  it("refuses an unconfirmed customer's cart when the store requires confirmation (403)", async () => {
    const store = await createStore({ require_email_confirmation: true });
    const shopper = await call("POST", "/v1/customers", { token: store.key, body: { email: "new@example.com" } });
    expectProblem(await call("POST", "/v1/carts", { token: store.key, body: { customer_id: shopper.body.id } }), 403, "customer_not_confirmed");
  });

  it("opening a new cart for a customer replaces the previous one", async () => {
    const store = await createStore();
    const shopper = await customerWithSession(store.key, store.id);
    const first = await call("POST", "/v1/carts", { token: store.key, body: { customer_id: shopper.id } });
    const second = await call("POST", "/v1/carts", { token: shopper.session, body: {} });
    expectProblem(await call("GET", `/v1/carts/${first.body.id}`, { token: store.key }), 404, "not_found");
    expect((await call("GET", `/v1/carts/${second.body.id}`, { token: store.key })).status).toBe(200);
    const { results } = await env.DB.prepare("SELECT id, state FROM carts WHERE customer_id = ? ORDER BY created_at").bind(shopper.id).all();
    expect(results.map((r) => r.state)).toEqual(["replaced", "open"]);
  });

  it("login with a cart token merges the anonymous cart into the customer's: quantities add, its selections win, it is gone", async () => {
    const store = await createStore();
    const shopper = await customerWithSession(store.key, store.id);
    const mug = await product(store.key);
    const lamp = await product(store.key);
    const mine = await call("POST", "/v1/carts", { token: shopper.session, body: {} });
    await call("POST", `/v1/carts/${mine.body.id}/items`, { token: shopper.session, body: { product_id: mug, quantity: 2 } });
    const anon = await anonymousCart(store.id);
    await call("POST", `/v1/carts/${anon.id}/items`, { token: anon.token, body: { items: [{ product_id: mug, quantity: 3 }, { product_id: lamp, quantity: 1 }] } });
    const pm = await call("POST", `/v1/carts/${anon.id}/payment-methods`, { token: anon.token, body: { type: "test_card", token: "tok_mastercard" } });
    expect(pm.body.payment_methods).toEqual([expect.objectContaining({ brand: "mastercard", last4: "4444" })]);
    const login = await call("POST", "/v1/auth/login", { body: { store_id: store.id, email: shopper.email, password: "correct horse battery", cart_token: anon.token } });
    expect(login.status).toBe(201);
    expect(login.body.cart_id).toBe(mine.body.id);
    const merged = await call("GET", `/v1/carts/${mine.body.id}`, { token: login.body.token });
    expect(Object.fromEntries(merged.body.items.map((i: { product_id: string; quantity: number }) => [i.product_id, i.quantity]))).toEqual({ [mug]: 5, [lamp]: 1 });
    expect(merged.body.selected_payment_method_id).toBe(pm.body.selected_payment_method_id);
    expectProblem(await call("GET", `/v1/carts/${anon.id}`, { token: anon.token }), 404, "not_found");
    expectProblem(await call("GET", `/v1/carts/${anon.id}`, { token: store.key }), 404, "not_found");
  });

  it("a customer without a cart takes the anonymous cart's contents", async () => {
    const store = await createStore();
    const shopper = await customerWithSession(store.key, store.id);
    const mug = await product(store.key);
    const anon = await anonymousCart(store.id);
    await call("POST", `/v1/carts/${anon.id}/items`, { token: anon.token, body: { product_id: mug, quantity: 4 } });
    const login = await call("POST", "/v1/auth/login", { body: { store_id: store.id, email: shopper.email, password: "correct horse battery", cart_token: anon.token } });
    const cart = await call("GET", `/v1/carts/${login.body.cart_id}`, { token: login.body.token });
    expect(cart.body.items.map((i: { quantity: number }) => i.quantity)).toEqual([4]);
    expect(cart.body.customer_id).toBe(shopper.id);
  });

  it("an abandoned cart expires by its alarm; an expired cart is 404", async () => {
    const store = await createStore({ cart_expiry_seconds: 1 });
    const anon = await anonymousCart(store.id);
    expect((await call("GET", `/v1/carts/${anon.id}`, { token: anon.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_200));
    const stub = env.CART_OBJECT.get(env.CART_OBJECT.idFromName(anon.id)) as DurableObjectStub<CartObject>;
    await runDurableObjectAlarm(stub); // runs it now if it has not fired by itself yet
    expectProblem(await call("GET", `/v1/carts/${anon.id}`, { token: anon.token }), 404, "not_found");
    expectProblem(await call("GET", `/v1/carts/${anon.id}`, { token: store.key }), 404, "not_found");
    const row = await env.DB.prepare("SELECT state FROM carts WHERE id = ?").bind(anon.id).first<{ state: string }>();
    expect(row?.state).toBe("expired");
  });

  it("a cart in use is not expired: every change pushes the expiry out", async () => {
    const store = await createStore({ cart_expiry_seconds: 3600 });
    const anon = await anonymousCart(store.id);
    const before = anon.body.expires_at as string;
    await new Promise((r) => setTimeout(r, 20));
    const patched = await call("PATCH", `/v1/carts/${anon.id}`, { token: anon.token, headers: { "If-Match": '"1"' }, body: { email: "a@example.com" } });
    expect(Date.parse(patched.body.expires_at)).toBeGreaterThan(Date.parse(before));
  });
});
