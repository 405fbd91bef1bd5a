import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";

async function productWithStock(key: string, inventory: number) {
  const res = await call("POST", "/v1/products", { token: key, body: { title: unique("Stocked"), price_cents: 500, inventory } });
  if (res.status !== 201) throw new Error(`product creation failed: ${res.status}`);
  return res.body as { id: string };
}

describe("POST /v1/products/{id}/inventory", () => {
  it("adjusts and sets stock and records each change in the ledger", async () => {
    const store = await createStore();
    const product = await productWithStock(store.key, 10);
    const adjusted = await call("POST", `/v1/products/${product.id}/inventory`, {
      token: store.key,
      body: { adjust: -3, reason: "damaged" },
    });
    expect(adjusted.status).toBe(200);
    expect(adjusted.body.product.inventory).toBe(7);
    expect(adjusted.body.ledger_entry).toMatchObject({ kind: "adjust", delta: -3, quantity_after: 7, reason: "damaged" });
    const set = await call("POST", `/v1/products/${product.id}/inventory`, { token: store.key, body: { set: 40 } });
    expect(set.body.product.inventory).toBe(40);
    expect(set.body.ledger_entry).toMatchObject({ kind: "set", delta: 33, quantity_after: 40, reason: null });
    const ledger = await call("GET", `/v1/products/${product.id}/inventory/ledger?limit=2`, { token: store.key });
    expect(ledger.body.data.map((e: { kind: string }) => e.kind)).toEqual(["set", "adjust"]);
    const rest = await call("GET", `/v1/products/${product.id}/inventory/ledger?cursor=${ledger.body.next_cursor}`, { token: store.key });
    expect(rest.body).toMatchObject({ data: [{ kind: "initial", delta: 10, quantity_after: 10 }], next_cursor: null });
  });

  it("never goes below zero and leaves stock and ledger unchanged on refusal", async () => {
    const store = await createStore();
    const product = await productWithStock(store.key, 2);
    const refused = await call("POST", `/v1/products/${product.id}/inventory`, { token: store.key, body: { adjust: -3 } });
    expectProblem(refused, 409, "insufficient_inventory");
    expect(refused.body.inventory).toBe(2);
    expect((await call("GET", `/v1/products/${product.id}`, { token: store.key })).body.inventory).toBe(2);
    const ledger = await call("GET", `/v1/products/${product.id}/inventory/ledger`, { token: store.key });
    expect(ledger.body.data).toHaveLength(1);
  });

  it("requires exactly one of adjust or set", async () => {
    const store = await createStore();
    const product = await productWithStock(store.key, 1);
    const path = `/v1/products/${product.id}/inventory`;
    for (const body of [{}, { adjust: 1, set: 2 }, { adjust: 0 }, { set: -1 }, { adjust: 1.5 }, { adjust: 1, note: "x" }, { reason: "x" }]) {
      expectProblem(await call("POST", path, { token: store.key, body }), 400, "validation_failed");
    }
  });

  it("is 404 for another store's or a deleted product", async () => {
    const a = await createStore();
    const b = await createStore();
    const product = await productWithStock(a.key, 5);
    expectProblem(await call("POST", `/v1/products/${product.id}/inventory`, { token: b.key, body: { adjust: 1 } }), 404, "not_found");
    expectProblem(await call("GET", `/v1/products/${product.id}/inventory/ledger`, { token: b.key }), 404, "not_found");
    await call("DELETE", `/v1/products/${product.id}`, { token: a.key });
    expectProblem(await call("POST", `/v1/products/${product.id}/inventory`, { token: a.key, body: { set: 1 } }), 404, "not_found");
  });

  it("replays an adjustment sent twice with one Idempotency-Key", async () => {
    const store = await createStore();
    const product = await productWithStock(store.key, 5);
    const headers = { "Idempotency-Key": unique("adjust") };
    const first = await call("POST", `/v1/products/${product.id}/inventory`, { token: store.key, body: { adjust: -1 }, headers });
    const again = await call("POST", `/v1/products/${product.id}/inventory`, { token: store.key, body: { adjust: -1 }, headers });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await call("GET", `/v1/products/${product.id}`, { token: store.key })).body.inventory).toBe(4);
  });

  it("lets exactly 60 of 100 concurrent -1 adjustments on stock 60 succeed", async () => {
    const store = await createStore();
    const product = await productWithStock(store.key, 60);
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        call("POST", `/v1/products/${product.id}/inventory`, { token: store.key, body: { adjust: -1 } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(60);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(40);
    refused.forEach((r) => expect(r.body.code).toBe("insufficient_inventory"));
    expect((await call("GET", `/v1/products/${product.id}`, { token: store.key })).body.inventory).toBe(0);
    const ledger = await env.DB.prepare("SELECT kind, delta, quantity_after FROM inventory_ledger WHERE product_id = ? AND kind = 'adjust'")
      .bind(product.id)
      .all<{ kind: string; delta: number; quantity_after: number }>();
    expect(ledger.results).toHaveLength(60);
    expect(ledger.results.every((row) => row.delta === -1)).toBe(true);
    expect(ledger.results.map((row) => row.quantity_after).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it("loses no update under concurrent mixed adjustments", async () => {
    const store = await createStore();
    const product = await productWithStock(store.key, 0);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call("POST", `/v1/products/${product.id}/inventory`, { token: store.key, body: { adjust: i % 2 === 0 ? 3 : 2 } }),
      ),
    );
    expect((await call("GET", `/v1/products/${product.id}`, { token: store.key })).body.inventory).toBe(100);
    const sum = await env.DB.prepare("SELECT sum(delta) AS total FROM inventory_ledger WHERE product_id = ?").bind(product.id).first<{ total: number }>();
    expect(sum?.total).toBe(100);
  });
});
