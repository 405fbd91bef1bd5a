import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OPERATOR, call, createStore, expectProblem } from "../helpers";

describe("migrations", () => {
  it("loaded at least one migration and created the schema", async () => {
    expect(env.TEST_MIGRATIONS.length).toBeGreaterThan(0);
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
    const names = tables.results.map((t) => t.name);
    for (const table of ["stores", "credentials", "idempotency_keys", "d1_migrations"]) expect(names).toContain(table);
    const applied = await env.DB.prepare("SELECT COUNT(*) AS n FROM d1_migrations").first<{ n: number }>();
    expect(applied?.n).toBe(env.TEST_MIGRATIONS.length);
  });
});

describe("GET /health", () => {
  it("reports D1 as reachable", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok", checks: { d1: "ok" } });
    expect(res.headers.get("X-Request-Id")).toMatch(/^req_/);
  });
});

describe("CORS", () => {
  it("answers a browser preflight and exposes the API's headers", async () => {
    const preflight = await call("OPTIONS", "/v1/store", {
      headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization,if-match" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toContain("If-Match");
    const actual = await call("GET", "/health", { headers: { Origin: "https://shop.example" } });
    expect(actual.headers.get("Access-Control-Expose-Headers")).toContain("ETag");
  });
});

describe("request ids", () => {
  it("echoes a sane inbound X-Request-Id and replaces an insane one", async () => {
    const echoed = await call("GET", "/health", { headers: { "X-Request-Id": "trace-123" } });
    expect(echoed.headers.get("X-Request-Id")).toBe("trace-123");
    const replaced = await call("GET", "/health", { headers: { "X-Request-Id": "x".repeat(500) } });
    expect(replaced.headers.get("X-Request-Id")).toMatch(/^req_/);
  });
});

describe("routing errors", () => {
  it("answers unknown routes with a 404 problem", async () => {
    expectProblem(await call("GET", "/v1/nothing-here"), 404, "route_not_found");
    expectProblem(await call("GET", "/"), 404, "route_not_found");
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const res = await call("PUT", "/v1/store", { body: {} });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("Allow")).toContain("GET");
    expect(res.headers.get("Allow")).toContain("PATCH");
    expectProblem(await call("POST", "/v1/api-keys/key_abc"), 405, "method_not_allowed");
  });
});

describe("request bodies", () => {
  it("rejects malformed JSON with 400 and changes nothing", async () => {
    const res = await call("POST", "/v1/stores", {
      token: OPERATOR,
      rawBody: '{"name": "x", ',
      headers: { "Content-Type": "application/json" },
    });
    expectProblem(res, 400, "malformed_json");
  });

  it("rejects a non-JSON content type with 415", async () => {
    const res = await call("POST", "/v1/stores", {
      token: OPERATOR,
      rawBody: "name=x&currency=USD",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expectProblem(res, 415, "unsupported_media_type");
    expectProblem(
      await call("POST", "/v1/stores", { token: OPERATOR, rawBody: '{"name":"x"}', headers: { "Content-Type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
  });

  it("rejects an oversized body with 413", async () => {
    const res = await call("POST", "/v1/stores", {
      token: OPERATOR,
      rawBody: JSON.stringify({ name: "x".repeat(1024 * 1024 + 10), currency: "USD" }),
      headers: { "Content-Type": "application/json" },
    });
    expectProblem(res, 413, "payload_too_large");
  });

  it("counts a streamed body without Content-Length: 413 past the limit, read as usual below it", async () => {
    const streamed = (text: string, chunk = 64 * 1024) => {
      const bytes = new TextEncoder().encode(text);
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(at, (at += chunk)));
        },
      });
    };
    const post = (text: string) =>
      exports.default.fetch(
        new Request("http://edgeshop.test/v1/stores", {
          method: "POST",
          headers: { Authorization: `Bearer ${OPERATOR}`, "Content-Type": "application/json" },
          body: streamed(text),
          // @ts-expect-error duplex is required for a streamed request body (not in every lib's RequestInit)
          duplex: "half",
        }),
      );
    const big = await post(JSON.stringify({ name: "x".repeat(1024 * 1024 + 10), currency: "USD" }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe("payload_too_large");
    const small = await post(JSON.stringify({ name: "Streamed", currency: "USD" }));
    expect(small.status).toBe(201);
  });

  it("rejects unknown fields, wrong types and a missing body with field errors", async () => {
    const store = await createStore();
    const unknown = await call("PATCH", "/v1/store", { token: store.key, body: { nam: "typo" }, headers: { "If-Match": '"1"' } });
    expectProblem(unknown, 400, "validation_failed");
    expect(unknown.body.errors).toEqual([{ path: "nam", message: "Unknown field" }]);
    const wrongType = await call("POST", "/v1/stores", { token: OPERATOR, body: { name: 42, currency: "USD" } });
    expectProblem(wrongType, 400, "validation_failed");
    expect(wrongType.body.errors[0].path).toBe("name");
    const empty = await call("POST", "/v1/stores", { token: OPERATOR });
    expectProblem(empty, 400, "validation_failed");
    const array = await call("POST", "/v1/stores", { token: OPERATOR, body: [1, 2] });
    expectProblem(array, 400, "validation_failed");
    const nul = await call("POST", "/v1/stores", { token: OPERATOR, body: null });
    expectProblem(nul, 400, "validation_failed");
  });

  it("rejects an invalid Idempotency-Key", async () => {
    const res = await call("POST", "/v1/stores", {
      token: OPERATOR,
      body: { name: "x", currency: "USD" },
      headers: { "Idempotency-Key": "k".repeat(256) },
    });
    expectProblem(res, 400, "invalid_idempotency_key");
  });
});

describe("pagination", () => {
  it("rejects limit 0, 101 and non-numbers", async () => {
    const store = await createStore();
    for (const limit of ["0", "101", "abc", "-1", "2.5"]) {
      const res = await call("GET", `/v1/api-keys?limit=${limit}`, { token: store.key });
      expectProblem(res, 400, "validation_failed");
      expect(res.body.errors[0].path).toBe("query.limit");
    }
    expect((await call("GET", "/v1/api-keys?limit=1", { token: store.key })).status).toBe(200);
    expect((await call("GET", "/v1/api-keys?limit=100", { token: store.key })).status).toBe(200);
  });

  it("rejects malformed, tampered and foreign cursors", async () => {
    const a = await createStore();
    const b = await createStore();
    await call("POST", "/v1/api-keys", { token: a.key, body: {} });
    await call("POST", "/v1/api-keys", { token: b.key, body: {} });
    const page = await call("GET", "/v1/api-keys?limit=1", { token: a.key });
    const cursor: string = page.body.next_cursor;
    expect(cursor).toBeTruthy();
    const [payload, mac] = cursor.split(".");
    const tampered = `${payload!.slice(0, -2)}AA.${mac}`;
    for (const bad of ["garbage", "a.b.c", tampered, `${payload}.${mac!.replace(/^./, (ch) => (ch === "A" ? "B" : "A"))}`, "%00"]) {
      expectProblem(await call("GET", `/v1/api-keys?cursor=${encodeURIComponent(bad)}`, { token: a.key }), 400, "invalid_cursor");
    }
    // A valid cursor of store A is not valid for store B.
    expectProblem(await call("GET", `/v1/api-keys?cursor=${cursor}`, { token: b.key }), 400, "invalid_cursor");
  });
});

describe("bodies on routes whose body is optional", () => {
  // Over real HTTP a bodiless POST still arrives with an (empty) body stream.
  it("accepts an empty body with or without a JSON content type, and refuses a form body", async () => {
    const store = await createStore();
    const order = await call("POST", "/v1/orders", {
      token: store.key,
      body: { currency: "USD", lines: [{ title: "x", quantity: 1, unit_price_cents: 100 }] },
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
    expect(order.status).toBe(201);
    // A string body would get a text/plain Content-Type; an empty stream gets none, like curl -X POST.
    const emptyStream = new ReadableStream({ start: (controller) => controller.close() });
    const bare = await call("POST", `/v1/orders/${order.body.id}/confirm`, { token: store.key, rawBody: emptyStream, headers: { "If-Match": '"1"' } });
    expect(bare.body).toEqual(expect.objectContaining({ status: "confirmed" }));
    const jsonEmpty = await call("POST", `/v1/orders/${order.body.id}/close`, {
      token: store.key,
      rawBody: "",
      headers: { "If-Match": '"2"', "Content-Type": "application/json" },
    });
    expect(jsonEmpty.status).toBe(200);
    const form = await call("POST", `/v1/orders/${order.body.id}/ship`, {
      token: store.key,
      rawBody: "a=1",
      headers: { "If-Match": '"3"', "Content-Type": "application/x-www-form-urlencoded" },
    });
    expectProblem(form, 415, "unsupported_media_type");
  });
});
