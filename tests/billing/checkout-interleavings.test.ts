import { env } from "cloudflare:workers";
import { createExecutionContext, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import type { CartObject } from "../../src/modules/carts";
import { checkoutCart } from "../../src/modules/billing";
import { call, createStore, unique } from "../helpers";
import { checkout, count, inventory, product, readyCart } from "./support";

describe("checkout interleaved with other work on its cart (a merge, a newer cart, another key, the expiry alarm)", () => {
  it("a login merge leaves the cart to its checkout: nothing is merged into the customer's cart, the retry completes it with one order", async () => {
    const store = await createStore();
    const lamp = await product(store.key, { price_cents: 4000, inventory: 5 });
    const created = await call("POST", "/v1/carts", { body: { store_id: store.id } });
    expect(created.status).toBe(201);
    const { id: cartId, cart_token: cartToken } = created.body as { id: string; cart_token: string };
    for (const [path, body] of [
      ["items", { product_id: lamp, quantity: 2 }],
      ["addresses", { line1: "1 Harbour St", city: "Sydney", country: "AU" }],
      ["payment-methods", { type: "test_card", token: "tok_visa" }],
    ] as const) {
      expect((await call("POST", `/v1/carts/${cartId}/${path}`, { token: cartToken, body })).status).toBeLessThan(300);
    }
    const read = await call("GET", `/v1/carts/${cartId}`, { token: cartToken });
    expect((await call("PATCH", `/v1/carts/${cartId}`, { token: cartToken, body: { email: `${unique("anon")}@example.com` }, headers: { "If-Match": read.headers.get("ETag")! } })).status).toBe(200);

    // The shopper's Worker dies after the charge, before the order: the checkout is unfinished.
    const db = createDb(env.DB);
    const defer = (p: Promise<unknown>) => createExecutionContext().waitUntil(p.catch(() => undefined));
    const caller = { kind: "store" as const, storeId: store.id, credentialId: store.keyId };
    const request = { key: unique("merge"), requestHash: "h" };
    await expect(checkoutCart(db, env, caller, cartId, request, defer, { after: (s) => { if (s === "charge") throw new Error("injected crash after charge"); } })).rejects.toThrow(/injected/);

    // Meanwhile the shopper signs in with the cart's token.
    const email = `${unique("shopper")}@example.com`;
    expect((await call("POST", "/v1/customers", { token: store.key, body: { email, password: "correct horse battery" } })).status).toBe(201);
    const login = await call("POST", "/v1/auth/login", { body: { store_id: store.id, email, password: "correct horse battery", cart_token: cartToken } });
    expect(login.status).toBe(201);
    const customerId = login.body.customer_id as string;
    const { results: open } = await env.DB.prepare("SELECT id FROM carts WHERE customer_id = ? AND state = 'open'").bind(customerId).all<{ id: string }>();
    for (const { id } of open) expect((await call("GET", `/v1/carts/${id}`, { token: login.body.token })).body.items).toEqual([]);
    expect(await env.DB.prepare("SELECT state FROM carts WHERE id = ?").bind(cartId).first("state")).toBe("open");

    // The checkout's retry finishes it: one charge, one order, the cart completed.
    const answer = await checkoutCart(db, env, caller, cartId, request, defer);
    expect(answer.status, JSON.stringify(answer)).toBe(200);
    expect(await count("SELECT COUNT(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM invoices WHERE store_id = ?", store.id)).toBe(1);
    expect((await call("GET", `/v1/carts/${cartId}`, { token: store.key })).status).toBe(404);
    expect(await env.DB.prepare("SELECT state FROM carts WHERE id = ?").bind(cartId).first("state")).toBe("completed");
  });

  it("a newer cart opened for the customer during the checkout does not close the one being checked out", async () => {
    const store = await createStore();
    const lamp = await product(store.key, { price_cents: 4000, inventory: 5 });
    const customer = await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com` } });
    expect(customer.status).toBe(201);
    const cartId = await readyCart(store, [{ product_id: lamp, quantity: 1 }], { customerId: customer.body.id });
    const db = createDb(env.DB);
    const defer = (p: Promise<unknown>) => createExecutionContext().waitUntil(p.catch(() => undefined));
    const caller = { kind: "store" as const, storeId: store.id, credentialId: store.keyId };
    const request = { key: unique("replace"), requestHash: "h" };
    await expect(checkoutCart(db, env, caller, cartId, request, defer, { after: (s) => { if (s === "charge") throw new Error("injected crash after charge"); } })).rejects.toThrow(/injected/);
    const newer = await call("POST", "/v1/carts", { token: store.key, body: { customer_id: customer.body.id } });
    expect(newer.status).toBe(201);
    const answer = await checkoutCart(db, env, caller, cartId, request, defer);
    expect(answer.status, JSON.stringify(answer)).toBe(200);
    expect(await count("SELECT COUNT(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(1);
    expect(await env.DB.prepare("SELECT state FROM carts WHERE id = ?").bind(cartId).first("state")).toBe("completed");
    expect((await call("GET", `/v1/carts/${newer.body.id}`, { token: store.key })).status).toBe(200);
  });

  it("a retry with a new key after a failed checkout finishes that checkout (one charge, one order) and both keys replay its answer", async () => {
    const store = await createStore();
    const lamp = await product(store.key, { price_cents: 4000, inventory: 5 });
    const cartId = await readyCart(store, [{ product_id: lamp, quantity: 1 }]);
    const db = createDb(env.DB);
    const defer = (p: Promise<unknown>) => createExecutionContext().waitUntil(p.catch(() => undefined));
    const caller = { kind: "store" as const, storeId: store.id, credentialId: store.keyId };
    const first = { key: unique("first"), requestHash: "h" };
    // The batch applied (stock taken, invoice open), then the runner failed before recording it.
    await expect(checkoutCart(db, env, caller, cartId, first, defer, { after: (s) => { if (s === "reserve") throw new Error("injected failure after the batch"); } })).rejects.toThrow(/injected/);
    const secondKey = unique("second");
    const second = await checkout(store, cartId, secondKey);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(await count("SELECT COUNT(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM invoices WHERE store_id = ?", store.id)).toBe(1);
    expect(await inventory(lamp)).toBe(4);
    const replayFirst = await checkoutCart(db, env, caller, cartId, first, defer);
    expect(replayFirst).toEqual({ status: 200, body: second.body });
    const replaySecond = await checkout(store, cartId, secondKey);
    expect(replaySecond.status).toBe(200);
    expect(replaySecond.body).toEqual(second.body);
  });

  it("a cart whose checkout is unfinished does not expire under it; the retry completes it", async () => {
    const store = await createStore({ cart_expiry_seconds: 1 });
    const lamp = await product(store.key, { price_cents: 4000, inventory: 5 });
    const cartId = await readyCart(store, [{ product_id: lamp, quantity: 1 }]);
    const db = createDb(env.DB);
    const defer = (p: Promise<unknown>) => createExecutionContext().waitUntil(p.catch(() => undefined));
    const caller = { kind: "store" as const, storeId: store.id, credentialId: store.keyId };
    const request = { key: unique("expiry"), requestHash: "h" };
    await expect(checkoutCart(db, env, caller, cartId, request, defer, { after: (s) => { if (s === "charge") throw new Error("injected crash after charge"); } })).rejects.toThrow(/injected/);
    await new Promise((r) => setTimeout(r, 1_200));
    await runDurableObjectAlarm(env.CART_OBJECT.get(env.CART_OBJECT.idFromName(cartId)) as DurableObjectStub<CartObject>);
    expect((await call("GET", `/v1/carts/${cartId}`, { token: store.key })).status).toBe(200);
    expect(await env.DB.prepare("SELECT state FROM carts WHERE id = ?").bind(cartId).first("state")).toBe("open");
    const answer = await checkoutCart(db, env, caller, cartId, request, defer);
    expect(answer.status, JSON.stringify(answer)).toBe(200);
    expect(await env.DB.prepare("SELECT state FROM carts WHERE id = ?").bind(cartId).first("state")).toBe("completed");
    expect(await count("SELECT COUNT(*) AS n FROM payment_charges WHERE store_id = ?", store.id)).toBe(1);
  });
});
