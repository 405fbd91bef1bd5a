import { describe, expect, it } from "vitest";
import { canonicalJson, requestFingerprint } from "../../src/shared/idempotency-key";
import { call, createStore, expectProblem, unique } from "../helpers";

const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

function post(key: string, raw: string, headers: Record<string, string> = {}) {
  return call("POST", "/v1/products", { token: key, rawBody: raw, headers: { "Content-Type": "application/json", ...headers } });
}

describe("JSON nesting depth", () => {
  it("answers 400 for a deeply nested body with an Idempotency-Key", async () => {
    const store = await createStore();
    for (const raw of [nestedArrays(10_000), nestedObjects(10_000), `{"title":"x","price_cents":1,"metadata":${nestedObjects(5_000)}}`]) {
      const res = await post(store.key, raw, { "Idempotency-Key": unique("deep") });
      expectProblem(res, 400, "validation_failed");
      expect(res.body.errors[0].message).toMatch(/nest/i);
    }
  });

  it("allows 64 levels and refuses 65", async () => {
    const store = await createStore();
    const at64 = await post(store.key, nestedArrays(64));
    expectProblem(at64, 400, "validation_failed");
    expect(JSON.stringify(at64.body.errors)).not.toMatch(/nest/i);
    const at65 = await post(store.key, nestedArrays(65));
    expectProblem(at65, 400, "validation_failed");
    expect(at65.body.errors[0].message).toMatch(/nest/i);
  });

  it("does not count brackets inside strings", async () => {
    const store = await createStore();
    const res = await post(store.key, JSON.stringify({ title: "[".repeat(100) + "{".repeat(100), price_cents: 1 }));
    expect(res.status).toBe(201);
  });
});

describe("canonicalJson", () => {
  it("is iterative: very deep values do not overflow the stack", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(canonicalJson(deep).length).toBeGreaterThan(100_000);
    await expect(requestFingerprint("POST", "/x", deep)).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  it("sorts keys, drops undefined members and matches JSON otherwise", () => {
    expect(canonicalJson({ b: [1, "x", null, { d: 1, c: undefined, a: true }], a: { z: 1, y: 2 } })).toBe(
      '{"a":{"y":2,"z":1},"b":[1,"x",null,{"a":true,"d":1}]}',
    );
    expect(canonicalJson([undefined, {}, []])).toBe("[null,{},[]]");
    expect(canonicalJson("é\u2028")).toBe(JSON.stringify("é\u2028"));
    expect(canonicalJson(undefined)).toBe("null");
  });
});

describe("PageQuerySchema: an empty value means absent", () => {
  it("treats limit= like cursor= (the first page, default size)", async () => {
    const store = await createStore();
    for (const query of ["limit=", "cursor=", "limit=&cursor="]) {
      const res = await call("GET", `/v1/products?${query}`, { token: store.key });
      expect(res.status, query).toBe(200);
      expect(res.body).toEqual({ data: [], next_cursor: null });
    }
    expectProblem(await call("GET", "/v1/products?limit=0", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/products?cursor=x", { token: store.key }), 400, "invalid_cursor");
  });
});
