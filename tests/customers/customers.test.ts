import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { normalizeEmail } from "../../src/modules/customers";
import { call, createStore, expectProblem, unique } from "../helpers";
import { PASSWORD, createCustomer } from "./support";

describe("normalizeEmail", () => {
  it("trims, NFC-normalizes and lowercases, and keeps +tags and dots", () => {
    expect(normalizeEmail("  Ann.Lee+Shop@Example.COM ")).toBe("ann.lee+shop@example.com");
    expect(normalizeEmail("ann.lee@example.com")).not.toBe(normalizeEmail("annlee@example.com"));
    expect(normalizeEmail("ann+a@example.com")).not.toBe(normalizeEmail("ann@example.com"));
    expect(normalizeEmail("Jose\u0301@example.com")).toBe(normalizeEmail("JOS\u00c9@example.com"));
  });
});

describe("POST /v1/customers", () => {
  it("creates a customer with addresses, never returning the password", async () => {
    const store = await createStore({ currency: "AUD" });
    const res = await call("POST", "/v1/customers", {
      token: store.key,
      body: {
        email: "  Ann.Lee@Example.com ",
        first_name: "Ann",
        last_name: "Lee",
        password: PASSWORD,
        addresses: [
          { line1: "1 Harbour St", city: "Sydney", country: "au" },
          { line1: "2 Bay Rd", city: "Perth", country: "AU", is_primary: true },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: "Ann.Lee@Example.com",
      first_name: "Ann",
      last_name: "Lee",
      currency: "AUD",
      total_spent_cents: 0,
      last_order_at: null,
      confirmed_at: null,
      has_password: true,
      version: 1,
    });
    expect(res.body.id).toMatch(/^cus_[0-9A-Za-z]{22}$/);
    expect(res.body.addresses.map((a: { city: string; is_primary: boolean }) => [a.city, a.is_primary])).toEqual([
      ["Perth", true],
      ["Sydney", false],
    ]);
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(res.body)).not.toContain("pbkdf2");
    const row = await env.DB.prepare("SELECT password_hash FROM customers WHERE id = ?").bind(res.body.id).first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2_sha256\$100000\$/);
  });

  it("keeps emails unique per store after normalization", async () => {
    const a = await createStore();
    const b = await createStore();
    const base = unique("dup");
    await createCustomer(a, { email: `${base}.x+tag@example.com` });
    const same = await call("POST", "/v1/customers", { token: a.key, body: { email: ` ${base.toUpperCase()}.X+TAG@EXAMPLE.com` } });
    expectProblem(same, 409, "duplicate");
    expect(same.body.errors).toEqual([{ path: "email", message: "Already used by another customer" }]);
    expect((await call("POST", "/v1/customers", { token: a.key, body: { email: `${base}.x@example.com` } })).status).toBe(201);
    expect((await call("POST", "/v1/customers", { token: a.key, body: { email: `${base}x+tag@example.com` } })).status).toBe(201);
    expect((await call("POST", "/v1/customers", { token: b.key, body: { email: `${base}.x+tag@example.com` } })).status).toBe(201);
  });

  it("rejects invalid input with field paths", async () => {
    const store = await createStore();
    const res = await call("POST", "/v1/customers", {
      token: store.key,
      body: { email: "not-an-email", password: "short", currency: "XXX", addresses: [{ line1: "x", city: "y", country: "Australia" }], extra: 1 },
    });
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["addresses[0].country", "currency", "email", "extra", "password"]);
    const twoPrimaries = await call("POST", "/v1/customers", {
      token: store.key,
      body: {
        email: `${unique("p")}@example.com`,
        addresses: [
          { line1: "a", city: "b", country: "AU", is_primary: true },
          { line1: "c", city: "d", country: "AU", is_primary: true },
        ],
      },
    });
    expectProblem(twoPrimaries, 400, "validation_failed");
    expectProblem(await call("POST", "/v1/customers", { body: { email: "a@example.com" } }), 401, "unauthenticated");
  });
});

describe("GET/PATCH/DELETE /v1/customers/{id}", () => {
  it("reads, updates with If-Match, and soft-deletes", async () => {
    const store = await createStore();
    const customer = await createCustomer(store, { first_name: "Ann" });
    const got = await call("GET", `/v1/customers/${customer.id}`, { token: store.key });
    expect(got.body).toEqual(customer);
    expect(got.headers.get("ETag")).toBe('"1"');

    expectProblem(await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: { first_name: "Annie" } }), 428, "precondition_required");
    const updated = await call("PATCH", `/v1/customers/${customer.id}`, {
      token: store.key,
      body: { first_name: "Annie", currency: "eur" },
      headers: { "If-Match": '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ first_name: "Annie", currency: "EUR", version: 2 });
    const stale = await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: { last_name: "X" }, headers: { "If-Match": '"1"' } });
    expectProblem(stale, 412, "stale_version");
    expect(stale.body.current_version).toBe(2);
    const fresh = await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: { last_name: "Lee" }, headers: { "If-Match": '"2"' } });
    expect(fresh.body).toMatchObject({ last_name: "Lee", version: 3 });
    const noPassword = await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: { password: null }, headers: { "If-Match": '"3"' } });
    expect(noPassword.body.has_password).toBe(false);
    const v4 = { "If-Match": '"4"' };
    expectProblem(await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: {}, headers: v4 }), 400, "validation_failed");
    expectProblem(await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: { email: "x@example.com" }, headers: v4 }), 400, "validation_failed");

    expect((await call("DELETE", `/v1/customers/${customer.id}`, { token: store.key })).status).toBe(204);
    expectProblem(await call("GET", `/v1/customers/${customer.id}`, { token: store.key }), 404, "not_found");
    expectProblem(await call("PATCH", `/v1/customers/${customer.id}`, { token: store.key, body: { first_name: "x" }, headers: v4 }), 404, "not_found");
    expectProblem(await call("DELETE", `/v1/customers/${customer.id}`, { token: store.key }), 404, "not_found");
    expectProblem(await call("GET", `/v1/customers/${customer.id}/snapshot`, { token: store.key }), 404, "not_found");
    // The deleted customer's email is free again.
    expect((await call("POST", "/v1/customers", { token: store.key, body: { email: customer.email } })).status).toBe(201);
  });

  it("is 404 for another store's customer", async () => {
    const a = await createStore();
    const b = await createStore();
    const customer = await createCustomer(a, { addresses: [{ line1: "1 St", city: "X", country: "AU" }] });
    const addressId = (customer.addresses as Array<{ id: string }>)[0]!.id;
    const emailId = (await call("GET", `/v1/customers/${customer.id}/emails`, { token: a.key })).body.data[0].id;
    for (const [method, path, body] of [
      ["DELETE", `/v1/customers/${customer.id}/addresses/${addressId}`],
      ["POST", `/v1/customers/${customer.id}/addresses/${addressId}/make-primary`],
      ["DELETE", `/v1/customers/${customer.id}/emails/${emailId}`],
      ["POST", `/v1/customers/${customer.id}/emails/${emailId}/make-primary`],
      ["GET", `/v1/customers/${customer.id}`],
      ["PATCH", `/v1/customers/${customer.id}`, { first_name: "x" }],
      ["DELETE", `/v1/customers/${customer.id}`],
      ["GET", `/v1/customers/${customer.id}/snapshot`],
      ["GET", `/v1/customers/${customer.id}/addresses`],
      ["POST", `/v1/customers/${customer.id}/addresses`, { line1: "a", city: "b", country: "AU" }],
      ["GET", `/v1/customers/${customer.id}/emails`],
      ["POST", `/v1/customers/${customer.id}/emails`, { email: `${unique("x")}@example.com` }],
      ["POST", `/v1/customers/${customer.id}/send-confirmation`],
    ] as Array<[string, string, unknown?]>) {
      expectProblem(await call(method, path, { token: b.key, body, headers: { "If-Match": '"1"' } }), 404, "not_found");
    }
    const intact = await call("GET", `/v1/customers/${customer.id}/snapshot`, { token: a.key });
    expect(intact.body).toMatchObject({ addresses: [{ id: addressId, is_primary: true }], emails: [{ id: emailId, is_primary: true }] });
  });
});

describe("GET /v1/customers", () => {
  it("pages newest first, filters by any email and counts", async () => {
    const store = await createStore();
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await createCustomer(store, { addresses: [{ line1: `${i} St`, city: "X", country: "AU" }] }));
    const extra = `${unique("second")}@example.com`;
    await call("POST", `/v1/customers/${made[1]!.id}/emails`, { token: store.key, body: { email: extra } });

    const first = await call("GET", "/v1/customers?limit=3", { token: store.key });
    expect(first.body.data).toHaveLength(3);
    expect(first.body.data[0].addresses).toHaveLength(1);
    const second = await call("GET", `/v1/customers?limit=3&cursor=${first.body.next_cursor}`, { token: store.key });
    expect([...first.body.data, ...second.body.data].map((c: { id: string }) => c.id)).toEqual(made.map((c) => c.id).reverse());
    expect(second.body.next_cursor).toBeNull();

    const byEmail = await call("GET", `/v1/customers?email=${encodeURIComponent(extra.toUpperCase())}`, { token: store.key });
    expect(byEmail.body.data.map((c: { id: string }) => c.id)).toEqual([made[1]!.id]);
    expect((await call("GET", "/v1/customers/count", { token: store.key })).body).toEqual({ count: 4 });
    expect((await call("GET", `/v1/customers/count?email=${encodeURIComponent(made[2]!.email)}`, { token: store.key })).body).toEqual({ count: 1 });
    const later = await call("GET", `/v1/customers/count?created_after=${encodeURIComponent(made[2]!.created_at as string)}`, { token: store.key });
    expect(later.body.count).toBe(2);
    await call("DELETE", `/v1/customers/${made[0]!.id}`, { token: store.key });
    expect((await call("GET", "/v1/customers/count", { token: store.key })).body).toEqual({ count: 3 });
    expectProblem(await call("GET", "/v1/customers?limit=500", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/customers?email=nope", { token: store.key }), 400, "validation_failed");
  });
});

describe("GET /v1/customers/{id}/snapshot", () => {
  it("returns the customer with addresses and emails", async () => {
    const store = await createStore();
    const customer = await createCustomer(store, { addresses: [{ line1: "1 St", city: "X", country: "AU" }] });
    await call("POST", `/v1/customers/${customer.id}/emails`, { token: store.key, body: { email: `${unique("s")}@example.com` } });
    const snap = await call("GET", `/v1/customers/${customer.id}/snapshot`, { token: store.key });
    expect(snap.status).toBe(200);
    expect(snap.body).toMatchObject({ id: customer.id, email: customer.email, addresses: [{ line1: "1 St", is_primary: true }] });
    expect(snap.body.emails.map((e: { is_primary: boolean }) => e.is_primary)).toEqual([true, false]);
  });
});
