import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";
import { createCustomer } from "./support";

const address = (line1: string, extra: Record<string, unknown> = {}) => ({ line1, city: "Sydney", country: "AU", ...extra });

async function primaryAddresses(customerId: string): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT id FROM customer_addresses WHERE customer_id = ? AND is_primary = 1 AND deleted_at IS NULL")
    .bind(customerId)
    .all<{ id: string }>();
  return rows.results.map((r) => r.id);
}

describe("customer addresses", () => {
  it("makes the first address primary, moves the flag on request, lists primary first", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const path = `/v1/customers/${customer.id}/addresses`;
    const first = await call("POST", path, { token: store.key, body: address("1 First St", { name: "Ann Lee", postal_code: "2000" }) });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ line1: "1 First St", name: "Ann Lee", postal_code: "2000", country: "AU", is_primary: true });
    expect(first.body.id).toMatch(/^addr_/);
    const second = await call("POST", path, { token: store.key, body: address("2 Second St") });
    expect(second.body.is_primary).toBe(false);
    const third = await call("POST", path, { token: store.key, body: address("3 Third St", { is_primary: true }) });
    expect(third.body.is_primary).toBe(true);
    const list = await call("GET", path, { token: store.key });
    expect(list.body.next_cursor).toBeNull();
    expect(list.body.data.map((a: { line1: string; is_primary: boolean }) => [a.line1, a.is_primary])).toEqual([
      ["3 Third St", true],
      ["1 First St", false],
      ["2 Second St", false],
    ]);

    const made = await call("POST", `${path}/${second.body.id}/make-primary`, { token: store.key });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ id: second.body.id, is_primary: true });
    expect(await primaryAddresses(customer.id)).toEqual([second.body.id]);
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.addresses[0].id).toBe(second.body.id);

    expect((await call("DELETE", `${path}/${second.body.id}`, { token: store.key })).status).toBe(204);
    expect(await primaryAddresses(customer.id)).toEqual([]);
    expect((await call("GET", path, { token: store.key })).body.data).toHaveLength(2);
    expectProblem(await call("DELETE", `${path}/${second.body.id}`, { token: store.key }), 404, "not_found");
    expectProblem(await call("POST", `${path}/${second.body.id}/make-primary`, { token: store.key }), 404, "not_found");
    expectProblem(await call("POST", `${path}/addr_nope/make-primary`, { token: store.key }), 404, "not_found");
  });

  it("leaves exactly one primary after concurrent make-primary calls", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const path = `/v1/customers/${customer.id}/addresses`;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await call("POST", path, { token: store.key, body: address(`${i} Race St`) })).body.id);
    const results = await Promise.all(
      [...ids, ...ids].map((id) => call("POST", `${path}/${id}/make-primary`, { token: store.key })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const primaries = await primaryAddresses(customer.id);
    expect(primaries).toHaveLength(1);
    const two = await Promise.all([ids[0], ids[1]].map((id) => call("POST", `${path}/${id}/make-primary`, { token: store.key })));
    expect(two.map((r) => r.status)).toEqual([200, 200]);
    expect(await primaryAddresses(customer.id)).toHaveLength(1);
  });

  it("refuses a second live primary at the database level", async () => {
    const store = await createStore();
    const customer = await createCustomer(store, { addresses: [address("a"), address("b")] });
    const attempt = env.DB.prepare("UPDATE customer_addresses SET is_primary = 1 WHERE customer_id = ?").bind(customer.id).run();
    await expect(attempt).rejects.toThrow(/UNIQUE constraint failed/);
  });

  it("caps addresses at 20 and validates input", async () => {
    const store = await createStore();
    const customer = await createCustomer(store, { addresses: Array.from({ length: 20 }, (_, i) => address(`${i} Cap St`)) });
    const path = `/v1/customers/${customer.id}/addresses`;
    const over = await call("POST", path, { token: store.key, body: address("21 Cap St", { is_primary: true }) });
    expectProblem(over, 409, "conflict");
    expect((await primaryAddresses(customer.id)).length).toBe(1);
    expectProblem(await call("POST", path, { token: store.key, body: { line1: "x", city: "y" } }), 400, "validation_failed");
    expectProblem(await call("POST", path, { token: store.key, body: { ...address("x"), zip: "1" } }), 400, "validation_failed");
    expectProblem(await call("POST", "/v1/customers/cus_nope/addresses", { token: store.key, body: address("x") }), 404, "not_found");
  });
});

describe("customer emails", () => {
  it("adds, lists, makes primary and deletes emails", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const path = `/v1/customers/${customer.id}/emails`;
    const extra = `${unique("Extra")}@Example.com`;
    const added = await call("POST", path, { token: store.key, body: { email: extra } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: extra, is_primary: false, confirmed_at: null });
    expect(added.body.id).toMatch(/^eml_/);
    const list = await call("GET", path, { token: store.key });
    expect(list.body.data.map((e: { email: string }) => e.email)).toEqual([customer.email, extra]);

    const original = list.body.data[0];
    expectProblem(await call("DELETE", `${path}/${original.id}`, { token: store.key }), 409, "conflict");
    const made = await call("POST", `${path}/${added.body.id}/make-primary`, { token: store.key });
    expect(made.body).toMatchObject({ id: added.body.id, is_primary: true });
    const after = await call("GET", `/v1/customers/${customer.id}`, { token: store.key });
    expect(after.body).toMatchObject({ email: extra, version: 2 });
    expect((await call("DELETE", `${path}/${original.id}`, { token: store.key })).status).toBe(204);
    expect((await call("GET", path, { token: store.key })).body.data.map((e: { email: string }) => e.email)).toEqual([extra]);
    // The deleted email is free for another customer.
    expect((await call("POST", "/v1/customers", { token: store.key, body: { email: customer.email } })).status).toBe(201);
  });

  it("refuses duplicates across the store after normalization", async () => {
    const store = await createStore();
    const a = await createCustomer(store);
    const b = await createCustomer(store);
    const dup = await call("POST", `/v1/customers/${b.id}/emails`, { token: store.key, body: { email: ` ${a.email.toUpperCase()} ` } });
    expectProblem(dup, 409, "duplicate");
    expectProblem(await call("POST", `/v1/customers/${a.id}/emails`, { token: store.key, body: { email: a.email } }), 409, "duplicate");
  });

  it("adds a primary email atomically and keeps one primary under concurrency", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const path = `/v1/customers/${customer.id}/emails`;
    const replacement = `${unique("new")}@example.com`;
    const added = await call("POST", path, { token: store.key, body: { email: replacement, is_primary: true } });
    expect(added.body.is_primary).toBe(true);
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.email).toBe(replacement);
    const ids = (await call("GET", path, { token: store.key })).body.data.map((e: { id: string }) => e.id);
    await Promise.all([...ids, ...ids].map((id: string) => call("POST", `${path}/${id}/make-primary`, { token: store.key })));
    const primaries = await env.DB.prepare("SELECT email FROM customer_emails WHERE customer_id = ? AND is_primary = 1 AND deleted_at IS NULL")
      .bind(customer.id)
      .all<{ email: string }>();
    expect(primaries.results).toHaveLength(1);
    const current = await call("GET", `/v1/customers/${customer.id}`, { token: store.key });
    expect(current.body.email).toBe(primaries.results[0]!.email);
  });

  it("caps emails at 10 and is 404 for unknown emails", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const path = `/v1/customers/${customer.id}/emails`;
    for (let i = 0; i < 9; i++) expect((await call("POST", path, { token: store.key, body: { email: `${unique("cap")}@example.com` } })).status).toBe(201);
    expectProblem(await call("POST", path, { token: store.key, body: { email: `${unique("cap")}@example.com` } }), 409, "conflict");
    expectProblem(await call("DELETE", `${path}/eml_nope`, { token: store.key }), 404, "not_found");
    expectProblem(await call("POST", `${path}/eml_nope/make-primary`, { token: store.key }), 404, "not_found");
    expectProblem(await call("POST", path, { token: store.key, body: { email: "nope" } }), 400, "validation_failed");
  });
});
