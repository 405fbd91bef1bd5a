import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LOGIN_ATTEMPT_LIMIT, LOGIN_WINDOW_SECONDS, decideLoginAttempt, loginLimiter } from "../../src/modules/customers/customers.object";
import { SESSION_TTL_SECONDS } from "../../src/modules/customers/customers.auth.service";
import { PBKDF2_MAX_ITERATIONS, hashPassword, verifyPassword } from "../../src/shared/crypto";
import { call, createStore, expectProblem, unique } from "../helpers";
import { PASSWORD, createCustomer } from "./support";

const login = (storeId: string, email: string, password = PASSWORD) =>
  call("POST", "/v1/auth/login", { body: { store_id: storeId, email, password } });

describe("password hashing", () => {
  it("pins PBKDF2-SHA256 at no more than the 100,000 iterations production Workers allow", async () => {
    expect(PBKDF2_MAX_ITERATIONS).toBeLessThanOrEqual(100_000);
    const hash = await hashPassword("pw-123456");
    const [scheme, iterations] = hash.split("$");
    expect(scheme).toBe("pbkdf2_sha256");
    expect(Number(iterations)).toBeLessThanOrEqual(100_000);
    await expect(hashPassword("x", 100_001)).rejects.toThrow();
    expect(await verifyPassword("pw-123456", hash)).toBe(true);
    expect(await verifyPassword("pw-1234567", hash)).toBe(false);
    expect(await verifyPassword("pw-123456", hash.replace("$100000$", "$100001$"))).toBe(false);
  });
});

describe("POST /v1/auth/login", () => {
  it("issues a 30-day session that authenticates the storefront and ends on logout", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const res = await login(store.id, `  ${customer.email.toUpperCase()} `);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ token_type: "Bearer", customer_id: customer.id });
    expect(res.body.token).toMatch(/^cst_[0-9A-Za-z]{32}$/);
    const ttl = Date.parse(res.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(SESSION_TTL_SECONDS * 1000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(SESSION_TTL_SECONDS * 1000);
    const stored = await env.DB.prepare("SELECT token_hash FROM customer_sessions WHERE customer_id = ?").bind(customer.id).first<{ token_hash: string }>();
    expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.token_hash).not.toContain(res.body.token);

    const me = await call("GET", "/v1/auth/me", { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(customer.id);
    expectProblem(await call("GET", "/v1/customers", { token: res.body.token }), 401, "unauthenticated");
    expect((await call("POST", "/v1/auth/logout", { token: res.body.token })).status).toBe(204);
    expectProblem(await call("GET", "/v1/auth/me", { token: res.body.token }), 401, "unauthenticated");
    expectProblem(await call("POST", "/v1/auth/logout", { token: res.body.token }), 401, "unauthenticated");
    expectProblem(await call("GET", "/v1/auth/me", { token: store.key }), 401, "unauthenticated");
  });

  it("logs in with any of the customer's emails", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const second = `${unique("second")}@example.com`;
    await call("POST", `/v1/customers/${customer.id}/emails`, { token: store.key, body: { email: second } });
    expect((await login(store.id, second)).status).toBe(201);
  });

  it("answers one uniform 401 for unknown email, wrong password, no password and wrong store", async () => {
    const store = await createStore();
    const other = await createStore();
    const customer = await createCustomer(store);
    const passwordless = await createCustomer(store, { password: undefined });
    const results = [
      await login(store.id, customer.email, "wrong password"),
      await login(store.id, `${unique("ghost")}@example.com`),
      await login(store.id, passwordless.email, "anything at all"),
      await login(other.id, customer.email),
      await login("store_doesnotexist", customer.email),
    ];
    for (const res of results) expectProblem(res, 401, "invalid_credentials");
    expect(new Set(results.map((r) => r.body.detail)).size).toBe(1);
    expectProblem(await call("POST", "/v1/auth/login", { body: { store_id: store.id, email: "x" } }), 400, "validation_failed");
  });

  it("rate limits per store and email with Retry-After, and a success resets the count", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    for (let i = 0; i < LOGIN_ATTEMPT_LIMIT - 1; i++) expectProblem(await login(store.id, customer.email, "wrong password"), 401, "invalid_credentials");
    expect((await login(store.id, customer.email)).status).toBe(201);
    for (let i = 0; i < LOGIN_ATTEMPT_LIMIT; i++) expectProblem(await login(store.id, customer.email, "wrong password"), 401, "invalid_credentials");
    const limited = await login(store.id, customer.email);
    expectProblem(limited, 429, "rate_limited");
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOGIN_WINDOW_SECONDS);
    // Exact per store + email: another email of the same store is unaffected.
    const other = await createCustomer(store);
    expect((await login(store.id, other.email)).status).toBe(201);
    // Case and spacing do not make a new counter.
    expectProblem(await login(store.id, ` ${customer.email.toUpperCase()}`), 429, "rate_limited");
  });

  it("admits exactly 5 of 20 concurrent attempts and refuses the rest", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const results = await Promise.all(Array.from({ length: 20 }, () => login(store.id, customer.email, "wrong password")));
    expect(results.filter((r) => r.status === 401)).toHaveLength(LOGIN_ATTEMPT_LIMIT);
    expect(results.filter((r) => r.status === 429)).toHaveLength(20 - LOGIN_ATTEMPT_LIMIT);
  });

  it("ends sessions on password change, customer deletion and expiry", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const first = (await login(store.id, customer.email)).body.token;
    await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: { password: "a brand new password" }, headers: { "If-Match": '"1"' } });
    expectProblem(await call("GET", "/v1/auth/me", { token: first }), 401, "unauthenticated");
    const second = (await login(store.id, customer.email, "a brand new password")).body.token;
    await env.DB.prepare("UPDATE customer_sessions SET expires_at = ? WHERE customer_id = ? AND revoked_at IS NULL")
      .bind(new Date(Date.now() - 1000).toISOString(), customer.id)
      .run();
    expectProblem(await call("GET", "/v1/auth/me", { token: second }), 401, "unauthenticated");
    const third = (await login(store.id, customer.email, "a brand new password")).body.token;
    await call("DELETE", `/v1/customers/${customer.id}`, { token: store.key });
    expectProblem(await call("GET", "/v1/auth/me", { token: third }), 401, "unauthenticated");
    expectProblem(await login(store.id, customer.email, "a brand new password"), 401, "invalid_credentials");
  });
});

describe("decideLoginAttempt", () => {
  it("counts attempts in a fixed window and reopens after it", () => {
    const start = 1_000_000;
    let state = undefined;
    for (let i = 0; i < LOGIN_ATTEMPT_LIMIT; i++) {
      const decision = decideLoginAttempt(state, start + i * 1000);
      expect(decision.allowed).toBe(true);
      state = decision.state;
    }
    const refused = decideLoginAttempt(state, start + 60_000);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: LOGIN_WINDOW_SECONDS - 60 });
    expect(refused.state).toEqual(state);
    const reopened = decideLoginAttempt(state, start + LOGIN_WINDOW_SECONDS * 1000);
    expect(reopened).toMatchObject({ allowed: true, state: { attempts: 1, windowStartedAt: start + LOGIN_WINDOW_SECONDS * 1000 } });
  });
});

describe("LoginLimiter object", () => {
  it("keeps its state in storage, clears it on unlock and when the window alarm fires", async () => {
    const stub = loginLimiter(env, "store_limiter", unique("limit"));
    for (let i = 0; i < LOGIN_ATTEMPT_LIMIT; i++) expect((await stub.attempt("198.51.100.1", "tag")).allowed).toBe(true);
    expect((await stub.attempt("198.51.100.1", "tag")).allowed).toBe(false);
    const alarm = await runInDurableObject(stub, async (_instance, state) => {
      expect(await state.storage.get("addr:198.51.100.1")).toMatchObject({ attempts: LOGIN_ATTEMPT_LIMIT });
      return state.storage.getAlarm();
    });
    expect(alarm).toBeGreaterThan(Date.now() + (LOGIN_WINDOW_SECONDS - 60) * 1000);
    await runInDurableObject(stub, async (_instance, state) => {
      await state.storage.put("addr:198.51.100.1", { attempts: LOGIN_ATTEMPT_LIMIT, windowStartedAt: 0 });
      await state.storage.put("account", { attempts: LOGIN_ATTEMPT_LIMIT, windowStartedAt: 0 });
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.attempt("198.51.100.1", "tag")).allowed).toBe(true);
    await stub.unlock();
    await runInDurableObject(stub, async (_instance, state) => {
      expect((await state.storage.list()).size).toBe(0);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });
});

describe("purgeExpiredCustomerTokens (cron)", () => {
  it("deletes sessions and confirmation tokens that ended more than a day ago", async () => {
    const { runScheduled } = await import("../../src/scheduled");
    const store = await createStore();
    const customer = await createCustomer(store);
    await login(store.id, customer.email);
    await login(store.id, customer.email);
    const old = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000).toISOString();
    await env.DB.prepare(
      "UPDATE customer_sessions SET expires_at = ? WHERE customer_id = ? AND id = (SELECT min(id) FROM customer_sessions WHERE customer_id = ?)",
    )
      .bind(old, customer.id, customer.id)
      .run();
    await runScheduled("17 * * * *", env);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM customer_sessions WHERE customer_id = ?").bind(customer.id).first<{ n: number }>();
    expect(left?.n).toBe(1);
  });
});
