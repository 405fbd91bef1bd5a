import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type TestStore, call, createStore, expectProblem } from "../helpers";

async function accessToken(store: Pick<TestStore, "appId" | "appSecret">) {
  const res = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
  expect(res.status).toBe(201);
  return res.body.access_token as string;
}

describe("access tokens cannot manage credentials (issue 7.5)", () => {
  it("refuses API key creation and revocation with an access token (403 forbidden)", async () => {
    const store = await createStore();
    const at = await accessToken(store);
    const created = await call("POST", "/v1/api-keys", { token: at, body: { name: "escalation" } });
    expectProblem(created, 403, "forbidden");
    expect(created.body.detail).toMatch(/API key/);
    const withKey = await call("POST", "/v1/api-keys", { token: at, body: { name: "escalation" }, headers: { "Idempotency-Key": "k-1" } });
    expectProblem(withKey, 403, "forbidden");
    expectProblem(await call("DELETE", `/v1/api-keys/${store.keyId}`, { token: at }), 403, "forbidden");
    expect((await call("GET", "/v1/store", { token: store.key })).status).toBe(200);
    const keys = await env.DB.prepare("SELECT count(*) AS n FROM credentials WHERE store_id = ? AND kind = 'api_key'").bind(store.id).first<{ n: number }>();
    expect(keys?.n).toBe(1);
    // The same Idempotency-Key still works for the API key afterwards (the 403 was not remembered).
    expect((await call("POST", "/v1/api-keys", { token: store.key, body: { name: "escalation" }, headers: { "Idempotency-Key": "k-1" } })).status).toBe(201);
  });

  it("refuses app secret rotation with an access token", async () => {
    const store = await createStore();
    const at = await accessToken(store);
    expectProblem(await call("POST", "/v1/store/app-secret/rotate", { token: at }), 403, "forbidden");
    expect((await call("GET", "/v1/store", { token: at })).status).toBe(200);
  });
});

describe("GET /v1/access-tokens", () => {
  it("lists the store's live tokens without their secrets, newest first", async () => {
    const store = await createStore();
    const other = await createStore();
    const first = await accessToken(store);
    const second = await accessToken(store);
    await accessToken(other);
    for (const token of [store.key, first]) {
      const list = await call("GET", "/v1/access-tokens", { token });
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(2);
      expect(list.body.next_cursor).toBeNull();
      const [newest] = list.body.data;
      expect(newest).toEqual({
        id: expect.stringMatching(/^tok_/),
        prefix: second.slice(0, 7),
        created_at: expect.any(String),
        expires_at: expect.any(String),
        last_used_at: null,
      });
      expect(JSON.stringify(list.body)).not.toContain(first);
      expect(JSON.stringify(list.body)).not.toContain(second);
    }
  });

  it("pages at limit=100 over more than 100 tokens, each exactly once", async () => {
    const store = await createStore();
    const now = Date.now();
    const rows = Array.from({ length: 105 }, (_, i) => {
      const created = new Date(now - (i % 7) * 1000).toISOString();
      return env.DB.prepare(
        "INSERT INTO credentials (id, store_id, kind, name, secret_hash, display_prefix, created_at, expires_at) VALUES (?, ?, 'access_token', NULL, ?, 'at_test', ?, ?)",
      ).bind(`tok_bulk${String(i).padStart(4, "0")}`, store.id, `hash-${store.id}-${i}`, created, new Date(now + 3_600_000).toISOString());
    });
    await env.DB.batch(rows);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await call("GET", `/v1/access-tokens?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: store.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((t: { id: string }) => t.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(105);
    expect(new Set(seen).size).toBe(105);
    expectProblem(await call("GET", "/v1/access-tokens?limit=101", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/access-tokens?cursor=nope", { token: store.key }), 400, "invalid_cursor");
  });
});

describe("DELETE /v1/access-tokens/{id}", () => {
  it("revokes a token at once (cache evicted); other stores' and revoked tokens are 404", async () => {
    const store = await createStore();
    const other = await createStore();
    const at = await accessToken(store);
    expect((await call("GET", "/v1/store", { token: at })).status).toBe(200);
    const id = (await call("GET", "/v1/access-tokens", { token: store.key })).body.data[0].id;
    expectProblem(await call("DELETE", `/v1/access-tokens/${id}`, { token: other.key }), 404, "not_found");
    expectProblem(await call("DELETE", `/v1/access-tokens/${store.keyId}`, { token: store.key }), 404, "not_found");
    expect((await call("DELETE", `/v1/access-tokens/${id}`, { token: store.key })).status).toBe(204);
    expectProblem(await call("GET", "/v1/store", { token: at }), 401, "unauthenticated");
    expectProblem(await call("DELETE", `/v1/access-tokens/${id}`, { token: store.key }), 404, "not_found");
    expect((await call("GET", "/v1/access-tokens", { token: store.key })).body.data).toEqual([]);
  });
});

describe("POST /v1/store/app-secret/rotate", () => {
  it("returns a new app secret once (no-store) and revokes every token issued from the old one", async () => {
    const store = await createStore();
    const tokens = [await accessToken(store), await accessToken(store)];
    for (const token of tokens) expect((await call("GET", "/v1/store", { token })).status).toBe(200);
    const rotated = await call("POST", "/v1/store/app-secret/rotate", { token: store.key });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get("Cache-Control")).toBe("no-store");
    expect(rotated.body).toEqual({ app_id: store.appId, app_secret: expect.stringMatching(/^as_[0-9A-Za-z]{32}$/) });
    for (const token of tokens) expectProblem(await call("GET", "/v1/store", { token }), 401, "unauthenticated");
    expectProblem(await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } }), 401, "invalid_app_credentials");
    const fresh = await accessToken({ appId: store.appId, appSecret: rotated.body.app_secret });
    expect((await call("GET", "/v1/store", { token: fresh })).status).toBe(200);
    expect((await call("GET", "/v1/store", { token: store.key })).status).toBe(200);
    const stored = await env.DB.prepare("SELECT app_secret_hash FROM stores WHERE id = ?").bind(store.id).first<{ app_secret_hash: string }>();
    expect(stored?.app_secret_hash).not.toContain(rotated.body.app_secret);
    expectProblem(await call("POST", "/v1/store/app-secret/rotate"), 401, "unauthenticated");
  });
});
