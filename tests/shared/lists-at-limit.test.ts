import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type TestStore, call, createStore, unique } from "../helpers";

/** More rows than one page holds at the maximum page size. */
const ROWS = 105;

/** Walks a list at `limit=100` to its end and returns every id, failing on a 5xx or a repeated row. */
async function walk(store: TestStore, path: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const url: string = `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await call("GET", url, { token: store.key });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.data.length).toBeLessThanOrEqual(100);
    ids.push(...res.body.data.map((row: { id: string }) => row.id));
    cursor = res.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 10);
  expect(new Set(ids).size).toBe(ids.length);
  return { ids, pages };
}

/** Runs `fn` for 0..n-1, `width` at a time. */
async function inParallel(n: number, width: number, fn: (i: number) => Promise<unknown>) {
  for (let start = 0; start < n; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, n - start) }, (_, k) => fn(start + k)));
  }
}

const stamp = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))).toISOString();

let store: TestStore;
let productIds: string[];
let customerId: string;

beforeAll(async () => {
  store = await createStore();
  const items = Array.from({ length: ROWS }, (_, i) => ({ title: `Widget ${i}`, sku: `W-${i}`, price_cents: 100 + i }));
  productIds = [];
  for (const chunk of [items.slice(0, 100), items.slice(100)]) {
    const res = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: chunk } });
    if (res.status !== 200) throw new Error(`bulk failed: ${res.status} ${JSON.stringify(res.body)}`);
    productIds.push(...res.body.data.map((p: { id: string }) => p.id));
  }

  // Direct inserts where a route would be slow; pairs of rows share a timestamp so ties are walked too.
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ROWS; i++) {
    statements.push(
      env.DB.prepare(
        "INSERT INTO credentials (id, store_id, kind, name, secret_hash, display_prefix, created_at) VALUES (?, ?, 'api_key', ?, ?, 'sk_test', ?)",
      ).bind(`key_${unique("k").replace(/-/g, "")}`, store.id, `key ${i}`, unique("hash"), stamp(i)),
    );
    const customer = `cus_${unique("c").replace(/-/g, "")}`;
    statements.push(
      env.DB.prepare("INSERT INTO customers (id, store_id, email, currency, created_at, updated_at) VALUES (?, ?, ?, 'USD', ?, ?)").bind(
        customer,
        store.id,
        `${unique("c")}@example.com`,
        stamp(i),
        stamp(i),
      ),
      env.DB.prepare(
        "INSERT INTO customer_addresses (id, store_id, customer_id, line1, city, country, is_primary, created_at, updated_at) VALUES (?, ?, ?, '1 Main St', 'Sydney', 'AU', 1, ?, ?)",
      ).bind(`addr_${unique("a").replace(/-/g, "")}`, store.id, customer, stamp(i), stamp(i)),
      env.DB.prepare(
        "INSERT INTO inventory_ledger (id, store_id, product_id, kind, delta, quantity_after, created_at) VALUES (?, ?, ?, 'adjust', 1, ?, ?)",
      ).bind(`ilg_${unique("l").replace(/-/g, "")}`, store.id, productIds[0], i + 1, stamp(i)),
    );
  }
  await env.DB.batch(statements);

  const customer = await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("buyer")}@example.com` } });
  customerId = customer.body.id;
  await inParallel(ROWS, 15, async (i) => {
    const res = await call("POST", "/v1/orders", {
      token: store.key,
      headers: { "Idempotency-Key": unique("order") },
      body: { currency: "USD", customer_id: customerId, lines: [{ product_id: productIds[i], quantity: 1 }] },
    });
    if (res.status !== 201) throw new Error(`order failed: ${res.status} ${JSON.stringify(res.body)}`);
  });
}, 120_000);

describe("every list at limit=100 with more than 100 rows", () => {
  it("GET /v1/api-keys", async () => {
    const { ids, pages } = await walk(store, "/v1/api-keys");
    expect(ids.length).toBe(ROWS + 1);
    expect(pages).toBe(2);
  });

  it("GET /v1/dead-letters", async () => {
    const at = Date.now();
    const statements = Array.from({ length: ROWS }, (_, i) =>
      env.DB.prepare("INSERT INTO dead_letters (id, queue, store_id, message_id, body, reason, attempts, created_at) VALUES (?, 'events-dlq', ?, ?, '{}', 'retries exhausted', 11, ?)")
        .bind(`dlq_limit${i}`, store.id, `m-limit-${i}`, new Date(at - (i % 7) * 1000).toISOString()),
    );
    await env.DB.batch(statements);
    const { ids, pages } = await walk(store, "/v1/dead-letters");
    expect(ids.length).toBe(ROWS);
    expect(pages).toBe(2);
  });

  it("GET /v1/products", async () => {
    const { ids, pages } = await walk(store, "/v1/products");
    expect(ids.sort()).toEqual([...productIds].sort());
    expect(pages).toBe(2);
  });

  it("GET /v1/products with a filter", async () => {
    const { ids } = await walk(store, "/v1/products?min_price_cents=0");
    expect(ids.length).toBe(ROWS);
  });

  it("GET /v1/products/search", async () => {
    const { ids, pages } = await walk(store, "/v1/products/search?q=widget");
    expect(ids.sort()).toEqual([...productIds].sort());
    expect(pages).toBe(2);
  });

  it("GET /v1/products/{id}/inventory/ledger", async () => {
    const { ids, pages } = await walk(store, `/v1/products/${productIds[0]}/inventory/ledger`);
    expect(ids.length).toBe(ROWS);
    expect(pages).toBe(2);
  });

  it("GET /v1/customers (each with an address)", async () => {
    const { ids, pages } = await walk(store, "/v1/customers");
    expect(ids.length).toBe(ROWS + 1);
    expect(pages).toBe(2);
    const first = await call("GET", "/v1/customers?limit=100", { token: store.key });
    const seeded = first.body.data.filter((c: { id: string }) => c.id !== customerId);
    expect(seeded.length).toBeGreaterThanOrEqual(99);
    expect(seeded.every((c: { addresses: unknown[] }) => c.addresses.length === 1)).toBe(true);
  });

  it("GET /v1/orders", async () => {
    const { ids, pages } = await walk(store, "/v1/orders");
    expect(ids.length).toBe(ROWS);
    expect(pages).toBe(2);
  });

  it("GET /v1/orders?customer_id=", async () => {
    const { ids } = await walk(store, `/v1/orders?customer_id=${customerId}`);
    expect(ids.length).toBe(ROWS);
  });

  it("GET /v1/customers/{id}/orders", async () => {
    const { ids, pages } = await walk(store, `/v1/customers/${customerId}/orders`);
    expect(ids.length).toBe(ROWS);
    expect(pages).toBe(2);
  });

  it("GET /v1/customers/{id}/addresses and /emails are whole lists (at most 20 and 10) and ignore limit", async () => {
    const addresses = await call("GET", `/v1/customers/${customerId}/addresses?limit=100`, { token: store.key });
    expect(addresses.status).toBe(200);
    expect(addresses.body.next_cursor).toBeNull();
    const emails = await call("GET", `/v1/customers/${customerId}/emails?limit=100`, { token: store.key });
    expect(emails.status).toBe(200);
    expect(emails.body.next_cursor).toBeNull();
  });
});
