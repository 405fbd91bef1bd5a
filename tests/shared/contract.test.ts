import { describe, expect, it } from "vitest";
import { OPERATOR, call, createStore, expectProblem, unique } from "../helpers";
import { PASSWORD, createCustomer } from "../customers/support";
import { createDraft } from "../orders/fixtures";

describe("If-Match on versioned resources", () => {
  it("is required (428 without) on store, product, customer and order updates", async () => {
    const store = await createStore();
    const product = await call("POST", "/v1/products", { token: store.key, body: { title: "Mug", price_cents: 100 } });
    const customer = await createCustomer(store);
    const order = await createDraft(store);
    for (const [path, body] of [
      ["/v1/store", { tagline: "x" }],
      [`/v1/products/${product.body.id}`, { title: "x" }],
      [`/v1/customers/${customer.id}`, { first_name: "x" }],
      [`/v1/orders/${order.id}`, { notes: "x" }],
    ] as const) {
      expectProblem(await call("PATCH", path, { token: store.key, body }), 428, "precondition_required");
    }
    expect((await call("GET", `/v1/products/${product.body.id}`, { token: store.key })).body.version).toBe(1);
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.version).toBe(1);
  });
});

describe("responses that carry a secret", () => {
  it("send Cache-Control: no-store (store create, API key, access token, session token)", async () => {
    const created = await call("POST", "/v1/stores", { token: OPERATOR, body: { name: unique("store"), currency: "USD" } });
    expect(created.status).toBe(201);
    expect(created.headers.get("Cache-Control")).toBe("no-store");
    const key = created.body.api_key.secret as string;
    const apiKey = await call("POST", "/v1/api-keys", { token: key, body: {} });
    expect(apiKey.status).toBe(201);
    expect(apiKey.headers.get("Cache-Control")).toBe("no-store");
    const token = await call("POST", "/v1/store/token", { body: { app_id: created.body.store.app_id, app_secret: created.body.app_secret } });
    expect(token.status).toBe(201);
    expect(token.headers.get("Cache-Control")).toBe("no-store");
    const store = { id: created.body.store.id, key, keyId: "", appId: "", appSecret: "" };
    const customer = await createCustomer(store);
    const session = await call("POST", "/v1/auth/login", { body: { store_id: store.id, email: customer.email, password: PASSWORD } });
    expect(session.status).toBe(201);
    expect(session.headers.get("Cache-Control")).toBe("no-store");
    expect((await call("GET", "/v1/store", { token: key })).headers.get("Cache-Control")).toBeNull();
  });
});

describe("POST /v1/stores", () => {
  it("answers Location like the other creates", async () => {
    const created = await call("POST", "/v1/stores", { token: OPERATOR, body: { name: unique("store"), currency: "USD" } });
    expect(created.status).toBe(201);
    const location = created.headers.get("Location");
    expect(location).toBe("/v1/store");
    expect((await call("GET", location!, { token: created.body.api_key.secret })).body.id).toBe(created.body.store.id);
  });
});

describe("conditional GETs", () => {
  it("answer 304 when If-None-Match names the current version of a single resource", async () => {
    const store = await createStore();
    const product = await call("POST", "/v1/products", { token: store.key, body: { title: "Mug", price_cents: 100 } });
    const path = `/v1/products/${product.body.id}`;
    const cached = await call("GET", path, { token: store.key, headers: { "If-None-Match": '"1"' } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("ETag")).toBe('"1"');
    expect(cached.headers.get("X-Request-Id")).toBeTruthy();
    expect((await call("GET", path, { token: store.key, headers: { "If-None-Match": '"7"' } })).status).toBe(200);
    expect((await call("GET", "/v1/store", { token: store.key, headers: { "If-None-Match": '"1"' } })).status).toBe(304);
  });
});

describe("method not allowed", () => {
  it("lists HEAD in Allow wherever GET is allowed", async () => {
    const res = await call("PUT", "/v1/store", { body: {} });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("Allow")?.split(/,\s*/)).toEqual(expect.arrayContaining(["GET", "HEAD", "PATCH", "DELETE"]));
  });
});

describe("time-range filters", () => {
  it("follow one rule on every list: *_after inclusive, *_before exclusive", async () => {
    const store = await createStore();
    const product = await call("POST", "/v1/products", { token: store.key, body: { title: "Mug", price_cents: 100 } });
    const customer = await createCustomer(store);
    const order = await createDraft(store);
    for (const [list, item] of [
      ["/v1/products", product.body],
      ["/v1/customers", customer],
      ["/v1/orders", order],
    ] as Array<[string, { id: string; created_at: string }]>) {
      const at = encodeURIComponent(item.created_at);
      const ids = async (query: string) => (await call("GET", `${list}?${query}`, { token: store.key })).body.data.map((x: { id: string }) => x.id);
      expect(await ids(`created_after=${at}`), `${list} created_after is inclusive`).toContain(item.id);
      expect(await ids(`created_before=${at}`), `${list} created_before is exclusive`).not.toContain(item.id);
    }
  });
});
