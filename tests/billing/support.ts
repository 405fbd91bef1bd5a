import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type TestStore, call, unique } from "../helpers";
import { product } from "../carts/support";

export { product };

/** A cart of the store (API key) with items, an address, a payment method and an email: ready to check out. */
export async function readyCart(store: TestStore, items: Array<{ product_id: string; quantity: number }>, options: { card?: string; customerId?: string; email?: boolean } = {}) {
  const created = await call("POST", "/v1/carts", { token: store.key, body: options.customerId ? { customer_id: options.customerId } : { email: `${unique("buyer")}@example.com` } });
  if (created.status !== 201) throw new Error(`cart: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  const added = await call("POST", `/v1/carts/${id}/items`, { token: store.key, body: { items } });
  if (added.status !== 200 && added.status !== 201) throw new Error(`items: ${added.status} ${JSON.stringify(added.body)}`);
  const address = await call("POST", `/v1/carts/${id}/addresses`, { token: store.key, body: { line1: "1 Harbour St", city: "Sydney", country: "AU" } });
  if (address.status >= 300) throw new Error(`address: ${address.status} ${JSON.stringify(address.body)}`);
  const method = await call("POST", `/v1/carts/${id}/payment-methods`, { token: store.key, body: { type: "test_card", token: options.card ?? "tok_visa" } });
  if (method.status >= 300) throw new Error(`method: ${method.status} ${JSON.stringify(method.body)}`);
  const cart = await call("GET", `/v1/carts/${id}`, { token: store.key });
  expect(cart.body.is_complete, JSON.stringify(cart.body.incomplete_reasons)).toBe(true);
  return id;
}

export function checkout(store: TestStore, cartId: string, key = unique("chk")) {
  return call("POST", `/v1/carts/${cartId}/checkout`, { token: store.key, headers: { "Idempotency-Key": key } });
}

export const inventory = async (productId: string) => (await env.DB.prepare("SELECT inventory FROM products WHERE id = ?").bind(productId).first<{ inventory: number }>())!.inventory;

export const count = async (sqlText: string, ...binds: unknown[]) => (await env.DB.prepare(sqlText).bind(...binds).first<{ n: number }>())!.n;
