import { describe, expect, it } from "vitest";
import { OPERATOR, call, createStore, expectProblem, unique } from "../helpers";

describe("POST /v1/stores", () => {
  it("creates a store and returns its secrets once", async () => {
    const res = await call("POST", "/v1/stores", { token: OPERATOR, body: { name: "Lorikeet", currency: "usd" } });
    expect(res.status).toBe(201);
    expect(res.body.store.id).toMatch(/^store_[0-9A-Za-z]{22}$/);
    expect(res.body.store.currency).toBe("USD");
    expect(res.body.api_key.secret).toMatch(/^sk_[0-9A-Za-z]{32}$/);
    expect(res.body.app_secret).toMatch(/^as_/);
    const store = await call("GET", "/v1/store", { token: res.body.api_key.secret });
    expect(store.status).toBe(200);
    expect(store.body.id).toBe(res.body.store.id);
    expect(JSON.stringify(store.body)).not.toContain(res.body.app_secret);
  });

  it("requires the operator token", async () => {
    expectProblem(await call("POST", "/v1/stores", { body: { name: "x", currency: "USD" } }), 401, "unauthenticated");
    expectProblem(await call("POST", "/v1/stores", { token: "nope", body: { name: "x", currency: "USD" } }), 401, "unauthenticated");
    const store = await createStore();
    expectProblem(await call("POST", "/v1/stores", { token: store.key, body: { name: "x", currency: "USD" } }), 401, "unauthenticated");
  });

  it("rejects unknown fields and bad currencies with field paths", async () => {
    const res = await call("POST", "/v1/stores", { token: OPERATOR, body: { name: "x", currency: "XXX", colour: "red" } });
    expectProblem(res, 400, "validation_failed");
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["colour", "currency"]);
  });

  it("replays a create with the same Idempotency-Key and refuses another body", async () => {
    const key = unique("idem");
    const body = { name: unique("idem-store"), currency: "EUR" };
    const first = await call("POST", "/v1/stores", { token: OPERATOR, body, headers: { "Idempotency-Key": key } });
    const again = await call("POST", "/v1/stores", { token: OPERATOR, body, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const other = await call("POST", "/v1/stores", {
      token: OPERATOR,
      body: { ...body, name: "other" },
      headers: { "Idempotency-Key": key },
    });
    expectProblem(other, 422, "idempotency_key_reused");
  });

  it("runs concurrent repeats of one key exactly once", async () => {
    const key = unique("idem-race");
    const body = { name: unique("race-store"), currency: "USD" };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => call("POST", "/v1/stores", { token: OPERATOR, body, headers: { "Idempotency-Key": key } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.store.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(9);
  });
});

describe("authentication", () => {
  it("answers 401 without a credential and with a wrong key", async () => {
    expectProblem(await call("GET", "/v1/store"), 401, "unauthenticated");
    expectProblem(await call("GET", "/v1/store", { token: "sk_" + "A".repeat(32) }), 401, "unauthenticated");
    expectProblem(await call("GET", "/v1/store", { headers: { Authorization: "Basic abc" } }), 401, "unauthenticated");
  });

  it("answers 403 when X-Tenant-Id names another store", async () => {
    const a = await createStore();
    const b = await createStore();
    expectProblem(await call("GET", "/v1/store", { token: a.key, headers: { "X-Tenant-Id": b.id } }), 403, "tenant_mismatch");
    const ok = await call("GET", "/v1/store", { token: a.key, headers: { "X-Tenant-Id": a.id } });
    expect(ok.status).toBe(200);
  });

  it("exchanges app credentials for a 24 h access token", async () => {
    const store = await createStore();
    const res = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    expect(res.status).toBe(201);
    expect(res.body.token_type).toBe("Bearer");
    const ttl = Date.parse(res.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(24 * 3600 * 1000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);
    const second = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    expect(second.body.access_token).not.toBe(res.body.access_token);
    const me = await call("GET", "/v1/store", { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(store.id);
  });

  it("refuses a wrong app secret or unknown app id with one message", async () => {
    const store = await createStore();
    const wrong = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: "as_wrong" } });
    const unknown = await call("POST", "/v1/store/token", { body: { app_id: "app_nope", app_secret: store.appSecret } });
    expectProblem(wrong, 401, "invalid_app_credentials");
    expectProblem(unknown, 401, "invalid_app_credentials");
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it("refuses an expired access token", async () => {
    const store = await createStore();
    const res = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    const { env } = await import("cloudflare:workers");
    await env.DB.prepare("UPDATE credentials SET expires_at = ? WHERE store_id = ? AND kind = 'access_token'")
      .bind(new Date(Date.now() - 1000).toISOString(), store.id)
      .run();
    expectProblem(await call("GET", "/v1/store", { token: res.body.access_token }), 401, "unauthenticated");
  });
});

describe("/v1/store", () => {
  it("updates settings with If-Match and rejects stale versions", async () => {
    const store = await createStore();
    const current = await call("GET", "/v1/store", { token: store.key });
    expect(current.headers.get("ETag")).toBe('"1"');
    expectProblem(await call("PATCH", "/v1/store", { token: store.key, body: { tagline: "x" } }), 428, "precondition_required");
    expectProblem(
      await call("PATCH", "/v1/store", { token: store.key, body: { tagline: "x" }, headers: { "If-Match": "abc" } }),
      400,
      "invalid_if_match",
    );
    const updated = await call("PATCH", "/v1/store", {
      token: store.key,
      body: { tagline: "Roasted this week", require_email_confirmation: true },
      headers: { "If-Match": '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect(updated.body.tagline).toBe("Roasted this week");
    expect(updated.headers.get("ETag")).toBe('"2"');
    const stale = await call("PATCH", "/v1/store", { token: store.key, body: { tagline: "y" }, headers: { "If-Match": '"1"' } });
    expectProblem(stale, 412, "stale_version");
    expect(stale.body.current_version).toBe(2);
  });

  it("lets exactly one of many concurrent updates with one version win", async () => {
    const store = await createStore();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("PATCH", "/v1/store", { token: store.key, body: { tagline: `t${i}` }, headers: { "If-Match": '"1"' } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(19);
  });

  it("soft-deletes the store and revokes every credential", async () => {
    const store = await createStore();
    const extra = await call("POST", "/v1/api-keys", { token: store.key, body: { name: "second" } });
    const token = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    expect((await call("DELETE", "/v1/store", { token: store.key })).status).toBe(204);
    for (const credential of [store.key, extra.body.secret, token.body.access_token]) {
      expectProblem(await call("GET", "/v1/store", { token: credential }), 401, "unauthenticated");
    }
    expectProblem(
      await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } }),
      401,
      "invalid_app_credentials",
    );
  });
});

describe("/v1/api-keys", () => {
  it("creates a key that works and is never returned again", async () => {
    const store = await createStore();
    const created = await call("POST", "/v1/api-keys", { token: store.key, body: { name: "back office" } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^sk_/);
    expect(created.body.prefix).toBe(created.body.secret.slice(0, 7));
    expect((await call("GET", "/v1/store", { token: created.body.secret })).body.id).toBe(store.id);
    const list = await call("GET", "/v1/api-keys", { token: store.key });
    expect(list.status).toBe(200);
    expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    expect(list.body.data.every((k: Record<string, unknown>) => !("secret" in k))).toBe(true);
  });

  it("revokes a key so it fails with 401", async () => {
    const store = await createStore();
    const created = await call("POST", "/v1/api-keys", { token: store.key, body: {} });
    expect((await call("DELETE", `/v1/api-keys/${created.body.id}`, { token: store.key })).status).toBe(204);
    expectProblem(await call("GET", "/v1/store", { token: created.body.secret }), 401, "unauthenticated");
    expectProblem(await call("DELETE", `/v1/api-keys/${created.body.id}`, { token: store.key }), 404, "not_found");
  });

  it("never touches another store's key (404)", async () => {
    const a = await createStore();
    const b = await createStore();
    expectProblem(await call("DELETE", `/v1/api-keys/${b.keyId}`, { token: a.key }), 404, "not_found");
    expect((await call("GET", "/v1/store", { token: b.key })).status).toBe(200);
    const list = await call("GET", "/v1/api-keys", { token: a.key });
    expect(list.body.data.map((k: { id: string }) => k.id)).not.toContain(b.keyId);
  });

  it("pages through keys with a signed cursor", async () => {
    const store = await createStore();
    for (let i = 0; i < 4; i++) await call("POST", "/v1/api-keys", { token: store.key, body: { name: `k${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call("GET", `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: store.key });
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((k: { id: string }) => k.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });
});

describe("credential cache consistency in one isolate", () => {
  it("a used key stops working as soon as it is revoked, and settings read fresh after PATCH", async () => {
    const store = await createStore();
    const created = await call("POST", "/v1/api-keys", { token: store.key, body: {} });
    expect((await call("GET", "/v1/store", { token: created.body.secret })).status).toBe(200);
    await call("DELETE", `/v1/api-keys/${created.body.id}`, { token: store.key });
    expectProblem(await call("GET", "/v1/store", { token: created.body.secret }), 401, "unauthenticated");
    await call("PATCH", "/v1/store", { token: store.key, body: { name: "Renamed" }, headers: { "If-Match": '"1"' } });
    expect((await call("GET", "/v1/store", { token: store.key })).body.name).toBe("Renamed");
  });
});
