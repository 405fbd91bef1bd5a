import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";

async function createProduct(key: string, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/products", { token: key, body: { title: unique("Mug"), price_cents: 1800, ...body } });
  if (res.status !== 201) throw new Error(`product creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

describe("POST /v1/products", () => {
  it("creates a product with defaults from the store", async () => {
    const store = await createStore({ currency: "EUR" });
    const res = await call("POST", "/v1/products", {
      token: store.key,
      body: {
        title: "Red enamel mug",
        description: "Holds 350 ml.",
        vendor: "Acme Pottery",
        product_type: "Mug",
        sku: "MUG-RED-12",
        price_cents: 1800,
        inventory: 25,
        tags: ["Kitchen", "summer", "kitchen"],
        metadata: { supplier: "acme" },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: "Red enamel mug",
      vendor: "Acme Pottery",
      product_type: "Mug",
      sku: "MUG-RED-12",
      price_cents: 1800,
      currency: "EUR",
      inventory: 25,
      tags: ["kitchen", "summer"],
      metadata: { supplier: "acme" },
      version: 1,
    });
    expect(res.body.id).toMatch(/^prod_[0-9A-Za-z]{22}$/);
    expect(res.headers.get("ETag")).toBe('"1"');
    expect(res.headers.get("Location")).toBe(`/v1/products/${res.body.id}`);
    const ledger = await call("GET", `/v1/products/${res.body.id}/inventory/ledger`, { token: store.key });
    expect(ledger.body.data).toMatchObject([{ kind: "initial", delta: 25, quantity_after: 25 }]);
  });

  it("rejects invalid input with field paths", async () => {
    const store = await createStore();
    const res = await call("POST", "/v1/products", {
      token: store.key,
      body: { title: "", price_cents: -1, currency: "XXX", inventory: 1.5, tags: ["a,b"], colour: "red" },
    });
    expectProblem(res, 400, "validation_failed");
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["colour", "currency", "inventory", "price_cents", "tags[0]", "title"]);
    expectProblem(await call("POST", "/v1/products", { token: store.key, body: { price_cents: 1 } }), 400, "validation_failed");
    expectProblem(await call("POST", "/v1/products", { token: store.key, rawBody: "{", headers: { "Content-Type": "application/json" } }), 400, "malformed_json");
    expectProblem(await call("POST", "/v1/products", { body: { title: "x", price_cents: 1 } }), 401, "unauthenticated");
  });

  it("keeps skus unique per store among live products", async () => {
    const a = await createStore();
    const b = await createStore();
    const sku = unique("SKU");
    const first = await createProduct(a.key, { sku });
    const dup = await call("POST", "/v1/products", { token: a.key, body: { title: "Other", price_cents: 1, sku } });
    expectProblem(dup, 409, "duplicate");
    expect(dup.body.errors).toEqual([{ path: "sku", message: "Already used by another product" }]);
    await createProduct(b.key, { sku });
    expect((await call("DELETE", `/v1/products/${first.id}`, { token: a.key })).status).toBe(204);
    await createProduct(a.key, { sku });
  });

  it("replays a create with the same Idempotency-Key", async () => {
    const store = await createStore();
    const headers = { "Idempotency-Key": unique("idem") };
    const body = { title: "Idempotent mug", price_cents: 900 };
    const first = await call("POST", "/v1/products", { token: store.key, body, headers });
    const again = await call("POST", "/v1/products", { token: store.key, body, headers });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
    expect((await call("GET", "/v1/products/count", { token: store.key })).body.count).toBe(1);
  });
});

describe("GET /v1/products/{id}", () => {
  it("returns the product, and 404 for another store, a deleted or an unknown product", async () => {
    const a = await createStore();
    const b = await createStore();
    const product = await createProduct(a.key);
    const got = await call("GET", `/v1/products/${product.id}`, { token: a.key });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(product);
    expect(got.headers.get("ETag")).toBe('"1"');
    expectProblem(await call("GET", `/v1/products/${product.id}`, { token: b.key }), 404, "not_found");
    expectProblem(await call("GET", "/v1/products/prod_nope", { token: a.key }), 404, "not_found");
    expectProblem(await call("DELETE", `/v1/products/${product.id}`, { token: b.key }), 404, "not_found");
    expect((await call("DELETE", `/v1/products/${product.id}`, { token: a.key })).status).toBe(204);
    expectProblem(await call("GET", `/v1/products/${product.id}`, { token: a.key }), 404, "not_found");
    expectProblem(await call("DELETE", `/v1/products/${product.id}`, { token: a.key }), 404, "not_found");
    expectProblem(await call("PATCH", `/v1/products/${product.id}`, { token: a.key, body: { title: "x" }, headers: { "If-Match": '"1"' } }), 404, "not_found");
  });
});

describe("PATCH /v1/products/{id}", () => {
  it("updates sent fields, replaces tags, and honours If-Match", async () => {
    const store = await createStore();
    const product = await createProduct(store.key, { tags: ["a", "b"], vendor: "Acme" });
    const updated = await call("PATCH", `/v1/products/${product.id}`, {
      token: store.key,
      body: { price_cents: 1600, tags: ["c"], description: null },
      headers: { "If-Match": '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ price_cents: 1600, tags: ["c"], vendor: "Acme", description: null, version: 2 });
    expect(updated.headers.get("ETag")).toBe('"2"');
    const tagged = await call("GET", "/v1/products?tag=c", { token: store.key });
    expect(tagged.body.data.map((p: { id: string }) => p.id)).toEqual([product.id]);
    expect((await call("GET", "/v1/products?tag=a", { token: store.key })).body.data).toEqual([]);

    const stale = await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: { title: "x" }, headers: { "If-Match": '"1"' } });
    expectProblem(stale, 412, "stale_version");
    expect(stale.body.current_version).toBe(2);
    const fresh = await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: { title: "Fresh" }, headers: { "If-Match": '"2"' } });
    expect(fresh.body).toMatchObject({ title: "Fresh", version: 3 });
    expectProblem(
      await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: { title: "x" }, headers: { "If-Match": "nope" } }),
      400,
      "invalid_if_match",
    );
  });

  it("does not apply tags when the version is stale", async () => {
    const store = await createStore();
    const product = await createProduct(store.key, { tags: ["keep"] });
    await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: { title: "v2" }, headers: { "If-Match": '"1"' } });
    const stale = await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: { tags: ["lost"] }, headers: { "If-Match": '"1"' } });
    expectProblem(stale, 412, "stale_version");
    expect((await call("GET", "/v1/products?tag=lost", { token: store.key })).body.data).toEqual([]);
    expect((await call("GET", "/v1/products?tag=keep", { token: store.key })).body.data).toHaveLength(1);
  });

  it("rejects empty bodies, inventory and duplicate skus", async () => {
    const store = await createStore();
    const product = await createProduct(store.key);
    const other = await createProduct(store.key, { sku: unique("SKU") });
    const v1 = { "If-Match": '"1"' };
    expectProblem(await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: {}, headers: v1 }), 400, "validation_failed");
    const inv = await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: { inventory: 5 }, headers: v1 });
    expectProblem(inv, 400, "validation_failed");
    expect(inv.body.errors).toContainEqual({ path: "inventory", message: "Unknown field" });
    expectProblem(await call("PATCH", `/v1/products/${product.id}`, { token: store.key, body: { sku: other.sku }, headers: v1 }), 409, "duplicate");
  });
});

describe("GET /v1/products", () => {
  it("pages newest first and filters", async () => {
    const store = await createStore();
    const made: Array<{ id: string; updated_at: string }> = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        await createProduct(store.key, {
          vendor: i % 2 === 0 ? "Even" : "Odd",
          product_type: i < 3 ? "Mug" : "Bowl",
          price_cents: 1000 + i * 100,
          tags: i === 4 ? ["last"] : [],
        }),
      );
    }
    const first = await call("GET", "/v1/products?limit=2", { token: store.key });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    const ids: string[] = first.body.data.map((p: { id: string }) => p.id);
    let cursor = first.body.next_cursor;
    while (cursor) {
      const next = await call("GET", `/v1/products?limit=2&cursor=${encodeURIComponent(cursor)}`, { token: store.key });
      ids.push(...next.body.data.map((p: { id: string }) => p.id));
      cursor = next.body.next_cursor;
    }
    expect(ids).toEqual(made.map((p) => p.id).reverse());

    const q = async (query: string) =>
      (await call("GET", `/v1/products?${query}`, { token: store.key })).body.data.map((p: { id: string }) => p.id).sort();
    const sorted = (...indexes: number[]) => indexes.map((i) => made[i]!.id).sort();
    expect(await q("vendor=Even")).toEqual(sorted(0, 2, 4));
    expect(await q("product_type=Bowl")).toEqual(sorted(3, 4));
    expect(await q("tag=LAST")).toEqual(sorted(4));
    expect(await q("min_price_cents=1100&max_price_cents=1300")).toEqual(sorted(1, 2, 3));
    expect(await q(`updated_after=${encodeURIComponent(made[3]!.updated_at)}`)).toEqual(sorted(3, 4));
    expect(await q("vendor=Even&product_type=Mug")).toEqual(sorted(0, 2));

    const count = await call("GET", "/v1/products/count?vendor=Odd", { token: store.key });
    expect(count.body).toEqual({ count: 2 });
    expect((await call("GET", "/v1/products/count", { token: store.key })).body).toEqual({ count: 5 });
  });

  it("hides deleted products and other stores' products", async () => {
    const a = await createStore();
    const b = await createStore();
    const kept = await createProduct(a.key);
    const gone = await createProduct(a.key);
    await createProduct(b.key);
    await call("DELETE", `/v1/products/${gone.id}`, { token: a.key });
    const list = await call("GET", "/v1/products", { token: a.key });
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([kept.id]);
    expect((await call("GET", "/v1/products/count", { token: a.key })).body.count).toBe(1);
  });

  it("rejects bad filters, limits and cursors", async () => {
    const store = await createStore();
    const other = await createStore();
    expectProblem(await call("GET", "/v1/products?limit=0", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/products?limit=101", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/products?min_price_cents=abc", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/products?updated_after=yesterday", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/products?cursor=abc", { token: store.key }), 400, "invalid_cursor");
    await createProduct(other.key);
    await createProduct(other.key);
    const page = await call("GET", "/v1/products?limit=1", { token: other.key });
    expectProblem(await call("GET", `/v1/products?cursor=${page.body.next_cursor}`, { token: store.key }), 400, "invalid_cursor");
  });
});

describe("product tags", () => {
  it("adds, removes and clears tags idempotently", async () => {
    const store = await createStore();
    const product = await createProduct(store.key, { tags: ["b"] });
    const added = await call("PUT", `/v1/products/${product.id}/tags/Summer%20Sale`, { token: store.key });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ tags: ["b", "summer sale"], version: 2 });
    const again = await call("PUT", `/v1/products/${product.id}/tags/summer%20sale`, { token: store.key });
    expect(again.body).toMatchObject({ tags: ["b", "summer sale"], version: 2 });
    const filtered = await call("GET", `/v1/products?tag=${encodeURIComponent("summer sale")}`, { token: store.key });
    expect(filtered.body.data).toHaveLength(1);
    const removed = await call("DELETE", `/v1/products/${product.id}/tags/b`, { token: store.key });
    expect(removed.body).toMatchObject({ tags: ["summer sale"], version: 3 });
    const removedAgain = await call("DELETE", `/v1/products/${product.id}/tags/b`, { token: store.key });
    expect(removedAgain.body.version).toBe(3);
    const cleared = await call("DELETE", `/v1/products/${product.id}/tags`, { token: store.key });
    expect(cleared.body).toMatchObject({ tags: [], version: 4 });
    expect((await call("GET", `/v1/products?tag=${encodeURIComponent("summer sale")}`, { token: store.key })).body.data).toEqual([]);
  });

  it("keeps every concurrent tag addition", async () => {
    const store = await createStore();
    const product = await createProduct(store.key);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call("PUT", `/v1/products/${product.id}/tags/t${i}`, { token: store.key })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const got = await call("GET", `/v1/products/${product.id}`, { token: store.key });
    expect(got.body.tags).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`).sort());
  });

  it("caps tags at 50, validates tags and hides other stores' products", async () => {
    const a = await createStore();
    const b = await createStore();
    const tags = Array.from({ length: 50 }, (_, i) => `tag${i}`);
    const product = await createProduct(a.key, { tags });
    expectProblem(await call("PUT", `/v1/products/${product.id}/tags/one-more`, { token: a.key }), 409, "conflict");
    expect((await call("PUT", `/v1/products/${product.id}/tags/tag7`, { token: a.key })).status).toBe(200);
    expectProblem(await call("PUT", `/v1/products/${product.id}/tags/a%2Cb`, { token: a.key }), 400, "validation_failed");
    expectProblem(await call("PUT", `/v1/products/${product.id}/tags/x`, { token: b.key }), 404, "not_found");
    expectProblem(await call("DELETE", `/v1/products/${product.id}/tags/tag1`, { token: b.key }), 404, "not_found");
    expectProblem(await call("DELETE", `/v1/products/${product.id}/tags`, { token: b.key }), 404, "not_found");
    expect((await call("GET", `/v1/products/${product.id}`, { token: a.key })).body.tags).toHaveLength(50);
  });
});
