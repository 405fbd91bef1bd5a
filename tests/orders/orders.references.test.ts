import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";
import { createCustomer, createDraft, createProduct, draftBody, objectSql, postOrder } from "./fixtures";

async function countOrders(storeId: string) {
  const [row] = await objectSql<{ n: number }>(storeId, "SELECT COUNT(*) AS n FROM orders");
  return row!.n;
}

const product = createProduct;

describe("Idempotency-Key scope on the order stream", () => {
  it("replays an order created with one API key when retried with the store's access token or another API key", async () => {
    const store = await createStore();
    const key = unique("idem");
    const body = draftBody();
    const first = await postOrder(store, body, key);
    expect(first.status).toBe(201);

    const token = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    expect(token.status).toBe(201);
    const viaToken = await call("POST", "/v1/orders", { token: token.body.access_token, body, headers: { "Idempotency-Key": key } });
    const secondKey = await call("POST", "/v1/api-keys", { token: store.key, body: { name: "second" } });
    const viaSecondKey = await call("POST", "/v1/orders", { token: secondKey.body.secret, body, headers: { "Idempotency-Key": key } });

    for (const retry of [viaToken, viaSecondKey]) {
      expect(retry.status).toBe(201);
      expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
      expect(retry.body.id).toBe(first.body.id);
    }
    expect(await countOrders(store.id)).toBe(1);
  });

  it("never remembers a refusal: a retry after the customer exists creates the order", async () => {
    const store = await createStore();
    const key = unique("idem");
    const refused = await postOrder(store, draftBody({ customer_id: "cus_notyet123" }), key);
    expectProblem(refused, 422, "customer_not_found");
    const customer = await createCustomer(store);
    const created = await postOrder(store, draftBody({ customer_id: customer.id }), key);
    expect(created.status).toBe(201);
    expect(created.headers.get("Idempotent-Replayed")).toBeNull();
  });
});

describe("customer_id on orders", () => {
  it("must name a live customer of the same store (422 customer_not_found, nothing written)", async () => {
    const store = await createStore();
    const other = await createStore();
    const foreign = await createCustomer(other);
    const deleted = await createCustomer(store);
    expect((await call("DELETE", `/v1/customers/${deleted.id}`, { token: store.key })).status).toBe(204);
    for (const customerId of ["cus_doesnotexist1", foreign.id, deleted.id]) {
      const res = await postOrder(store, draftBody({ customer_id: customerId }));
      expectProblem(res, 422, "customer_not_found");
      expect(res.body.errors).toEqual([expect.objectContaining({ path: "customer_id" })]);
    }
    const draft = await createDraft(store);
    const patched = await call("PATCH", `/v1/orders/${draft.id}`, { token: store.key, headers: { "If-Match": '"1"' }, body: { customer_id: foreign.id } });
    expectProblem(patched, 422, "customer_not_found");
    expect(await countOrders(store.id)).toBe(1);
    const own = await createCustomer(store);
    expect((await postOrder(store, draftBody({ customer_id: own.id }))).status).toBe(201);
  });

  it("the replay of a success wins over a later refusal for the same key and body", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const key = unique("idem");
    const body = draftBody({ customer_id: customer.id });
    const first = await postOrder(store, body, key);
    expect((await call("DELETE", `/v1/customers/${customer.id}`, { token: store.key })).status).toBe(204);
    const retry = await postOrder(store, body, key);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
  });
});

describe("order lines", () => {
  it("prices a catalog line from the catalog (title and unit price snapshot) and marks custom lines", async () => {
    const store = await createStore();
    const beans = await product(store, { price_cents: 2450 });
    const res = await postOrder(store, {
      currency: "USD",
      lines: [
        { product_id: beans.id, quantity: 2 },
        { title: "Gift wrapping", quantity: 1, unit_price_cents: 300 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.lines).toEqual([
      expect.objectContaining({ product_id: beans.id, title: beans.title, unit_price_cents: 2450, total_cents: 4900, custom: false }),
      expect.objectContaining({ product_id: null, title: "Gift wrapping", unit_price_cents: 300, total_cents: 300, custom: true }),
    ]);
    expect(res.body.total_cents).toBe(5200);
    // The snapshot does not follow later catalog changes.
    await call("PATCH", `/v1/products/${beans.id}`, { token: store.key, headers: { "If-Match": '"1"' }, body: { price_cents: 9999 } });
    expect((await call("GET", `/v1/orders/${res.body.id}`, { token: store.key })).body.lines[0].unit_price_cents).toBe(2450);
  });

  it("refuses a client price or title on a catalog line, and a custom line without them (400)", async () => {
    const store = await createStore();
    const beans = await product(store);
    const res = await postOrder(store, {
      lines: [{ product_id: beans.id, quantity: 1, unit_price_cents: 1 }, { quantity: 1, unit_price_cents: 100 }, { title: "x", quantity: 1 }],
    });
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["lines[0].unit_price_cents", "lines[1].title", "lines[2].unit_price_cents"]);
  });

  it("refuses a product of another store, a deleted one, an unknown one, or one in another currency (422)", async () => {
    const store = await createStore();
    const other = await createStore();
    const foreign = await product(other);
    const gone = await product(store);
    expect((await call("DELETE", `/v1/products/${gone.id}`, { token: store.key })).status).toBe(204);
    const res = await postOrder(store, {
      lines: [{ product_id: foreign.id, quantity: 1 }, { product_id: gone.id, quantity: 1 }, { product_id: "prod_nope1", quantity: 1 }],
    });
    expectProblem(res, 422, "product_not_found");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(["lines[0].product_id", "lines[1].product_id", "lines[2].product_id"]);
    const euro = await product(store, { currency: "EUR" });
    expectProblem(await postOrder(store, { currency: "USD", lines: [{ product_id: euro.id, quantity: 1 }] }), 422, "currency_mismatch");
    expect(await countOrders(store.id)).toBe(0);
  });

  it("prices 100 lines naming 100 different products", async () => {
    const store = await createStore();
    const ids = [];
    for (let i = 0; i < 100; i++) ids.push((await product(store, { price_cents: 100 + i })).id);
    const res = await postOrder(store, { lines: ids.map((id) => ({ product_id: id, quantity: 1 })) });
    expect(res.status).toBe(201);
    expect(res.body.total_cents).toBe(ids.reduce((sum, _id, i) => sum + 100 + i, 0));
  });
});
