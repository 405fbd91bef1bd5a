import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { canonicalTags } from "../../src/modules/products/products.service";
import { call, createStore, expectProblem } from "../helpers";

const MAX_INVENTORY = 1_000_000_000;

async function product(key: string, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/products", { token: key, body: { title: "Hardening", price_cents: 100, ...body } });
  if (res.status !== 201) throw new Error(`product creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

describe("POST /v1/products/bulk at the documented maximum", () => {
  it("updates 100 existing products in one request", async () => {
    const store = await createStore();
    const items = Array.from({ length: 100 }, (_, i) => ({ title: `Max ${i}`, sku: `MAX-${i}`, price_cents: i + 1 }));
    const created = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: items } });
    expect(created.status).toBe(200);
    const updates = created.body.data.map((p: { id: string }, i: number) => ({ id: p.id, price_cents: 1000 + i, tags: ["max"] }));
    const res = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: updates } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 0, updated: 100 });
    expect(res.body.data[99]).toMatchObject({ price_cents: 1099, tags: ["max"], version: 2 });
    expect((await call("GET", "/v1/products/count?tag=max", { token: store.key })).body.count).toBe(100);
  });

  it("updates 100 products matched by sku in one request", async () => {
    const store = await createStore();
    const items = Array.from({ length: 100 }, (_, i) => ({ title: `Sku ${i}`, sku: `SKU-${i}`, price_cents: i + 1 }));
    expect((await call("POST", "/v1/products/bulk", { token: store.key, body: { products: items } })).status).toBe(200);
    const again = items.map((item) => ({ ...item, title: `${item.title} v2` }));
    const res = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: again } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 0, updated: 100 });
  });
});

describe("product tags: one ordering everywhere", () => {
  it("sorts tags by code point, as SQLite does", () => {
    // UTF-16 order puts the astral "😀" (a surrogate pair, 0xD83D...) before "ｚ" (0xFF5A); code points do not.
    expect(canonicalTags(["😀", "ｚ", "é", "e", "z"])).toEqual(["e", "z", "é", "ｚ", "😀"]);
  });

  it("re-adding a tag with non-BMP and accented neighbours changes nothing", async () => {
    const store = await createStore();
    const created = await product(store.key, { tags: ["😀", "ｚ", "été", "a"] });
    const events = () => env.DB.prepare("SELECT count(*) AS n FROM events WHERE resource_id = ?").bind(created.id).first("n");
    const eventsBefore = await events();
    const again = await call("PUT", `/v1/products/${created.id}/tags/${encodeURIComponent("ｚ")}`, { token: store.key });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(created.version);
    expect(again.body.tags).toEqual(created.tags);
    expect(again.body.updated_at).toBe(created.updated_at);
    const accented = await call("PUT", `/v1/products/${created.id}/tags/${encodeURIComponent("ÉTÉ")}`, { token: store.key });
    expect(accented.body).toMatchObject({ version: created.version, tags: created.tags });
    expect(await events()).toBe(eventsBefore);
  });

  it("keeps the order of a PATCH and of a later tag addition identical", async () => {
    const store = await createStore();
    const created = await product(store.key);
    const patched = await call("PATCH", `/v1/products/${created.id}`, {
      token: store.key,
      body: { tags: ["😀", "ｚ"] },
      headers: { "If-Match": '"1"' },
    });
    const added = await call("PUT", `/v1/products/${created.id}/tags/b`, { token: store.key });
    expect(added.body.tags).toEqual(["b", ...patched.body.tags]);
  });
});

describe("POST /v1/products/{id}/inventory bounds the result", () => {
  it("refuses an adjustment that would pass the maximum stock", async () => {
    const store = await createStore();
    const created = await product(store.key, { inventory: 5 });
    const first = await call("POST", `/v1/products/${created.id}/inventory`, { token: store.key, body: { adjust: MAX_INVENTORY - 5 } });
    expect(first.status).toBe(200);
    expect(first.body.product.inventory).toBe(MAX_INVENTORY);
    const second = await call("POST", `/v1/products/${created.id}/inventory`, { token: store.key, body: { adjust: 1 } });
    expectProblem(second, 422, "business_rule_violation");
    expect(second.body).toMatchObject({ inventory: MAX_INVENTORY, max_inventory: MAX_INVENTORY });
    const after = await call("GET", `/v1/products/${created.id}`, { token: store.key });
    expect(after.body.inventory).toBe(MAX_INVENTORY);
    const ledger = await call("GET", `/v1/products/${created.id}/inventory/ledger`, { token: store.key });
    expect(ledger.body.data).toHaveLength(2);
  });
});

describe("lone surrogates", () => {
  it("are rejected in any string field rather than stored as replacement characters", async () => {
    const store = await createStore();
    const raw = '{"title":"bad \\ud800 title","price_cents":1}';
    const res = await call("POST", "/v1/products", {
      token: store.key,
      rawBody: raw,
      headers: { "Content-Type": "application/json" },
    });
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors).toEqual([{ path: "title", message: expect.stringMatching(/surrogate/i) }]);
    const inKey = await call("POST", "/v1/products", {
      token: store.key,
      rawBody: '{"title":"ok","price_cents":1,"metadata":{"\\udc00":"x"}}',
      headers: { "Content-Type": "application/json" },
    });
    expectProblem(inKey, 400, "validation_failed");
    expect((await call("GET", "/v1/products/count", { token: store.key })).body.count).toBe(0);
    const paired = await call("POST", "/v1/products", {
      token: store.key,
      rawBody: '{"title":"ok \\ud83d\\ude00","price_cents":1}',
      headers: { "Content-Type": "application/json" },
    });
    expect(paired.status).toBe(201);
    expect(paired.body.title).toBe("ok 😀");
  });
});

describe("GET /v1/products text filters", () => {
  it("match vendor and product_type case-insensitively, like tags", async () => {
    const store = await createStore();
    await product(store.key, { vendor: "Acme", product_type: "Mug", tags: ["Kitchen"] });
    await product(store.key, { vendor: "Other" });
    for (const query of ["vendor=acme", "vendor=ACME", "vendor=Acme", "product_type=mug", "tag=KITCHEN"]) {
      const res = await call("GET", `/v1/products?${query}`, { token: store.key });
      expect(res.body.data, query).toHaveLength(1);
      expect((await call("GET", `/v1/products/count?${query}`, { token: store.key })).body.count, query).toBe(1);
    }
  });

  it("documents the rule in the parameter descriptions", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    const params = doc.paths["/v1/products"].get.parameters as Array<{ name: string; description?: string }>;
    for (const name of ["vendor", "product_type", "tag"]) {
      expect(params.find((p) => p.name === name)?.description, name).toMatch(/case-insensitive/i);
    }
  });
});
