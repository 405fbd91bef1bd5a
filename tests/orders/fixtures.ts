import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { orderStream } from "../../src/modules/orders";
import { type CallResult, type TestStore, call, unique } from "../helpers";

/** A custom line (no catalog product): the client's title and price. */
export function line(overrides: Record<string, unknown> = {}) {
  return { title: "Beans", quantity: 2, unit_price_cents: 1250, ...overrides };
}

/** A catalog product of the store, for catalog-priced lines. */
export async function createProduct(store: TestStore, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/products", { token: store.key, body: { title: unique("Product"), price_cents: 2450, currency: "USD", ...overrides } });
  if (res.status !== 201) throw new Error(`product creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; title: string; price_cents: number };
}

export function draftBody(overrides: Record<string, unknown> = {}) {
  return { currency: "USD", lines: [line()], ...overrides };
}

/** POST /v1/orders with a fresh Idempotency-Key unless one is given. */
export function postOrder(store: TestStore, body: unknown = draftBody(), key: string = unique("idem")): Promise<CallResult> {
  return call("POST", "/v1/orders", { token: store.key, body, headers: { "Idempotency-Key": key } });
}

/** Creates a draft and fails loudly if that did not work. */
export async function createDraft(store: TestStore, body: unknown = draftBody()) {
  const res = await postOrder(store, body);
  if (res.status !== 201) throw new Error(`order creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function act(store: TestStore, id: string, action: string, version: number | string | null, body?: unknown, headers: Record<string, string> = {}) {
  const all: Record<string, string> = { ...headers };
  if (version !== null) all["If-Match"] = typeof version === "number" ? `"${version}"` : version;
  return call("POST", `/v1/orders/${id}/${action}`, { token: store.key, body, headers: all });
}

export function stub(storeId: string) {
  return orderStream(env, storeId);
}

/** Runs SQL inside the store's object (its SQLite is the source of truth). */
export function objectSql<T = Record<string, unknown>>(storeId: string, query: string, ...bindings: unknown[]): Promise<T[]> {
  return runInDurableObject(stub(storeId), (_instance, state) => state.storage.sql.exec(query, ...bindings).toArray() as T[]);
}

/** A live customer of the store (orders may only name those). */
export async function createCustomer(store: TestStore): Promise<{ id: string }> {
  const res = await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com` } });
  if (res.status !== 201) throw new Error(`customer creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
