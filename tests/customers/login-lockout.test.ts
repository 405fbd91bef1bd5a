import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LOGIN_ACCOUNT_LIMIT, LOGIN_ATTEMPT_LIMIT, clientKey, loginLimiter } from "../../src/modules/customers/customers.object";
import { call, createStore, expectProblem, unique } from "../helpers";
import { PASSWORD, createCustomer } from "./support";

const login = (storeId: string, email: string, ip: string, password = PASSWORD) =>
  call("POST", "/v1/auth/login", { headers: { "CF-Connecting-IP": ip }, body: { store_id: storeId, email, password } });

async function exhaust(storeId: string, email: string, ip: string) {
  for (let i = 0; i < LOGIN_ATTEMPT_LIMIT; i++) expectProblem(await login(storeId, email, ip, "wrong password"), 401, "invalid_credentials");
  expectProblem(await login(storeId, email, ip), 429, "rate_limited");
}

describe("login lockout policy (issue 7.10)", () => {
  it("limits guesses per account and address without locking the owner out from elsewhere", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    await exhaust(store.id, customer.email, "198.51.100.1");
    expect((await login(store.id, customer.email, "198.51.100.2")).status).toBe(201);
    // The guessing address stays limited after the owner's success elsewhere.
    expectProblem(await login(store.id, customer.email, "198.51.100.1"), 429, "rate_limited");
  });

  it("has a higher per-account ceiling across addresses, which spares addresses the owner used before", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const home = "192.0.2.200";
    expect((await login(store.id, customer.email, home)).status).toBe(201);
    let n = 1; // the owner's own login counted too
    for (let i = 0; n < LOGIN_ACCOUNT_LIMIT; i++) {
      for (let j = 0; j < LOGIN_ATTEMPT_LIMIT - 1 && n < LOGIN_ACCOUNT_LIMIT; j++, n++) {
        expectProblem(await login(store.id, customer.email, `192.0.2.${i}`, "wrong password"), 401, "invalid_credentials");
      }
    }
    const fresh = await login(store.id, customer.email, "192.0.2.150");
    expectProblem(fresh, 429, "rate_limited");
    expect(Number(fresh.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await login(store.id, customer.email, home)).status).toBe(201);
  });

  it("lets the store's back end unlock a customer (API key), 404 for unknown and other stores' customers", async () => {
    const store = await createStore();
    const other = await createStore();
    const customer = await createCustomer(store);
    const second = `${unique("second")}@example.com`;
    expect((await call("POST", `/v1/customers/${customer.id}/emails`, { token: store.key, body: { email: second } })).status).toBe(201);
    await exhaust(store.id, customer.email, "198.51.100.9");
    await exhaust(store.id, second, "198.51.100.9");
    expectProblem(await call("POST", `/v1/customers/${customer.id}/unlock-login`, { token: other.key }), 404, "not_found");
    expectProblem(await call("POST", "/v1/customers/cus_unknown/unlock-login", { token: store.key }), 404, "not_found");
    expectProblem(await call("POST", `/v1/customers/${customer.id}/unlock-login`), 401, "unauthenticated");
    const unlocked = await call("POST", `/v1/customers/${customer.id}/unlock-login`, { token: store.key });
    expect(unlocked.status).toBe(204);
    expect((await login(store.id, customer.email, "198.51.100.9")).status).toBe(201);
    expect((await login(store.id, second, "198.51.100.9")).status).toBe(201);
  });

  it("resets the counters when the password changes", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    await exhaust(store.id, customer.email, "198.51.100.20");
    const changed = await call("PATCH", `/v1/customers/${customer.id}`, {
      token: store.key,
      body: { password: "a fresh password" },
      headers: { "If-Match": '"1"' },
    });
    expect(changed.status).toBe(200);
    expect((await login(store.id, customer.email, "198.51.100.20", "a fresh password")).status).toBe(201);
  });

  it("counts requests without CF-Connecting-IP as one address", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const bare = () => call("POST", "/v1/auth/login", { body: { store_id: store.id, email: customer.email, password: "wrong password" } });
    for (let i = 0; i < LOGIN_ATTEMPT_LIMIT; i++) expect((await bare()).status).toBe(401);
    expect((await bare()).status).toBe(429);
    expect((await login(store.id, customer.email, "198.51.100.30")).status).toBe(201);
  });

  it("keeps the object's storage bounded and drops it when the windows end", async () => {
    const stub = loginLimiter(env, "store_bounded", unique("bounded"));
    for (let i = 0; i < 3; i++) expect((await stub.attempt(`10.0.0.${i}`, "tag")).allowed).toBe(true);
    const { runDurableObjectAlarm, runInDurableObject } = await import("cloudflare:test");
    await runInDurableObject(stub, async (_instance, state) => {
      const stored = await state.storage.list();
      expect(stored.size).toBeGreaterThan(0);
      // Pretend every window ended.
      for (const [key, value] of stored) {
        if (value && typeof value === "object" && "windowStartedAt" in value) await state.storage.put(key, { ...value, windowStartedAt: 0 });
      }
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, async (_instance, state) => {
      const left = [...(await state.storage.list()).keys()].filter((key) => !key.startsWith("trusted:"));
      expect(left).toEqual([]);
    });
  });

  it("counts IPv6 clients per /64 and IPv4 clients per address", async () => {
    expect(clientKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:DB8:1:2::ff")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey(" 198.51.100.7 ")).toBe("198.51.100.7");
    expect(clientKey(undefined)).toBe("unknown");
    const store = await createStore();
    const customer = await createCustomer(store);
    for (let i = 0; i < LOGIN_ATTEMPT_LIMIT; i++) expect((await login(store.id, customer.email, `2001:db8:5:6::${i + 1}`, "wrong password")).status).toBe(401);
    expectProblem(await login(store.id, customer.email, "2001:db8:5:6:ffff::1"), 429, "rate_limited");
    expect((await login(store.id, customer.email, "2001:db8:5:7::1")).status).toBe(201);
  });
});
