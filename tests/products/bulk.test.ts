import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { commit } from "../../src/modules/idempotency";
import { insertStatements, newProductRow, updateStatements } from "../../src/modules/products/products.service";
import { MAX_BOUND_PARAMETERS, chunkForParams } from "../../src/shared/d1";
import { call, createStore, expectProblem, unique } from "../helpers";

const item = (i: number, extra: Record<string, unknown> = {}) => ({
  title: `Bulk item ${i}`,
  sku: `BULK-${i}`,
  price_cents: 100 + i,
  inventory: i % 3,
  vendor: "Bulk Co",
  tags: ["bulk", `n${i}`],
  metadata: { position: String(i) },
  ...extra,
});

describe("chunkForParams", () => {
  it("keeps every chunk under the parameter limit", () => {
    const rows = Array.from({ length: 100 }, (_, i) => i);
    const chunks = chunkForParams(rows, 16);
    expect(chunks.every((chunk) => chunk.length * 16 <= MAX_BOUND_PARAMETERS)).toBe(true);
    expect(chunks.flat()).toEqual(rows);
    expect(() => chunkForParams(rows, 101)).toThrow();
  });

  it("builds bulk statements that each bind at most 100 parameters", () => {
    const db = createDb(env.DB);
    const now = new Date().toISOString();
    const rows = Array.from({ length: 100 }, (_, i) =>
      newProductRow("store_x", "USD", { ...item(i), tags: Array.from({ length: 50 }, (_, t) => `t${t}`) }, now),
    );
    const statements = insertStatements(db, rows, now);
    const update = updateStatements(db, "store_x", "prod_x", { title: "x", tags: ["a"], metadata: { a: "b" } }, 3, now);
    const all = [...statements, ...update.tagStatements, update.update];
    for (const statement of all) {
      const params = "toSQL" in statement ? statement.toSQL().params : statement.getQuery().params;
      expect(params.length).toBeLessThanOrEqual(MAX_BOUND_PARAMETERS);
    }
    expect(statements.length).toBeGreaterThan(100);
  });
});

describe("POST /v1/products/bulk", () => {
  it("creates 100 products in one request", async () => {
    const store = await createStore();
    const products = Array.from({ length: 100 }, (_, i) => item(i));
    const res = await call("POST", "/v1/products/bulk", { token: store.key, body: { products } });
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(100);
    expect(res.body.updated).toBe(0);
    expect(res.body.data.map((p: { sku: string }) => p.sku)).toEqual(products.map((p) => p.sku));
    expect(res.body.data[7]).toMatchObject({ title: "Bulk item 7", inventory: 1, tags: ["bulk", "n7"], metadata: { position: "7" } });
    expect((await call("GET", "/v1/products/count", { token: store.key })).body.count).toBe(100);
    expect((await call("GET", "/v1/products/count?tag=bulk", { token: store.key })).body.count).toBe(100);
    const got = await call("GET", `/v1/products/${res.body.data[5].id}`, { token: store.key });
    expect(got.body).toEqual(res.body.data[5]);
    const ledger = await call("GET", `/v1/products/${res.body.data[2].id}/inventory/ledger`, { token: store.key });
    expect(ledger.body.data).toMatchObject([{ kind: "initial", delta: 2 }]);
  });

  it("updates by id and by sku and creates the rest in one request", async () => {
    const store = await createStore();
    const first = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: [item(1), item(2)] } });
    const [one, two] = first.body.data;
    const res = await call("POST", "/v1/products/bulk", {
      token: store.key,
      body: {
        products: [
          { id: one.id, price_cents: 999, tags: ["changed"] },
          { sku: "BULK-2", title: "Renamed by sku" },
          item(3),
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 1, updated: 2 });
    expect(res.body.data[0]).toMatchObject({ id: one.id, price_cents: 999, tags: ["changed"], version: 2, inventory: 1 });
    expect(res.body.data[1]).toMatchObject({ id: two.id, title: "Renamed by sku", version: 2 });
    expect(res.body.data[2]).toMatchObject({ sku: "BULK-3", version: 1 });
    expect((await call("GET", "/v1/products?tag=changed", { token: store.key })).body.data).toHaveLength(1);
    expect((await call("GET", "/v1/products?tag=n1", { token: store.key })).body.data).toHaveLength(0);
  });

  it("saves nothing when one item is invalid, unknown or conflicting", async () => {
    const store = await createStore();
    const existing = await call("POST", "/v1/products", { token: store.key, body: { title: "Taken", price_cents: 1, sku: "TAKEN" } });
    const good = Array.from({ length: 10 }, (_, i) => item(100 + i));

    const invalid = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: [...good, { sku: "NEW-ONLY" }] } });
    expectProblem(invalid, 400, "validation_failed");
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["products[10].price_cents", "products[10].title"]);

    const unknown = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: [...good, { id: "prod_nope", title: "x" }] } });
    expectProblem(unknown, 404, "not_found");
    expect(unknown.body.errors).toEqual([{ path: "products[10].id", message: "No live product of this store has this id" }]);

    const stock = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: [{ id: existing.body.id, inventory: 5 }] } });
    expectProblem(stock, 400, "validation_failed");

    const repeated = await call("POST", "/v1/products/bulk", { token: store.key, body: { products: [item(1), item(1)] } });
    expectProblem(repeated, 400, "validation_failed");

    const taken = await call("POST", "/v1/products/bulk", {
      token: store.key,
      body: { products: [...good, { id: existing.body.id, title: "x" }, { sku: "OTHER", title: "y", price_cents: 1 }] },
    });
    expect(taken.status).toBe(200);
    const stolen = await call("POST", "/v1/products/bulk", {
      token: store.key,
      body: { products: [item(200), { id: existing.body.id, sku: "OTHER" }] },
    });
    expectProblem(stolen, 409, "duplicate");
    expect((await call("GET", "/v1/products/count?vendor=Bulk%20Co", { token: store.key })).body.count).toBe(10);
    expect((await call("GET", `/v1/products/${existing.body.id}`, { token: store.key })).body.sku).toBe("TAKEN");
  });

  it("rolls back every item when the database refuses one", async () => {
    const store = await createStore();
    const good = Array.from({ length: 30 }, (_, i) => item(300 + i));
    // The sku is free when the request is planned; a concurrent writer takes it before the batch runs.
    const { bulkUpsertProducts } = await import("../../src/modules/products/products.bulk");
    const db = createDb(env.DB);
    const racing = bulkUpsertProducts(db, store.id, "USD", [...good, item(999)]).then((write) => commit(db, write, { storeId: store.id }));
    await env.DB.prepare(
      "INSERT INTO products (id, store_id, title, sku, price_cents, currency, created_at, updated_at) VALUES (?, ?, 'racer', 'BULK-999', 1, 'USD', ?, ?)",
    )
      .bind(`prod_${unique("race")}`, store.id, new Date().toISOString(), new Date().toISOString())
      .run();
    await expect(racing).rejects.toMatchObject({ code: "duplicate" });
    const racer = await env.DB.prepare("SELECT title FROM products WHERE store_id = ? AND sku = 'BULK-999'").bind(store.id).first();
    expect(racer).toEqual({ title: "racer" });
    expect((await call("GET", "/v1/products/count?vendor=Bulk%20Co", { token: store.key })).body.count).toBe(0);
  });

  it("aborts everything when a product to update changes before the batch runs", async () => {
    const store = await createStore();
    const target = await call("POST", "/v1/products", { token: store.key, body: { title: "Target", price_cents: 1 } });
    const { bulkUpsertProducts } = await import("../../src/modules/products/products.bulk");
    const db = createDb(env.DB);
    const racing = bulkUpsertProducts(db, store.id, "USD", [item(500), { id: target.body.id, title: "From bulk" }]).then((write) => commit(db, write, { storeId: store.id }));
    await env.DB.prepare("UPDATE products SET title = 'From elsewhere', version = version + 1 WHERE id = ?").bind(target.body.id).run();
    await expect(racing).rejects.toMatchObject({ code: "conflict" });
    expect((await call("GET", "/v1/products/count?vendor=Bulk%20Co", { token: store.key })).body.count).toBe(0);
    expect((await call("GET", `/v1/products/${target.body.id}`, { token: store.key })).body.title).toBe("From elsewhere");
  });

  it("refuses more than 100 items and empty lists", async () => {
    const store = await createStore();
    const many = Array.from({ length: 101 }, (_, i) => item(i));
    expectProblem(await call("POST", "/v1/products/bulk", { token: store.key, body: { products: many } }), 400, "validation_failed");
    expectProblem(await call("POST", "/v1/products/bulk", { token: store.key, body: { products: [] } }), 400, "validation_failed");
  });

  it("only touches the caller's store", async () => {
    const a = await createStore();
    const b = await createStore();
    const mine = await call("POST", "/v1/products", { token: a.key, body: { title: "Mine", price_cents: 1, sku: "SHARED" } });
    const res = await call("POST", "/v1/products/bulk", { token: b.key, body: { products: [{ id: mine.body.id, title: "Stolen" }] } });
    expectProblem(res, 404, "not_found");
    const bySku = await call("POST", "/v1/products/bulk", { token: b.key, body: { products: [{ sku: "SHARED", title: "Theirs", price_cents: 2 }] } });
    expect(bySku.body.created).toBe(1);
    expect((await call("GET", `/v1/products/${mine.body.id}`, { token: a.key })).body.title).toBe("Mine");
  });
});
