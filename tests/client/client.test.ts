/// <reference types="vite/client" />
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createEdgeshopClient, ifMatch, isProblem } from "../../client";
import committedDocument from "../../client/openapi.json?raw";
import committedSchema from "../../client/schema.d.ts?raw";
import { createStore } from "../helpers";

const viaWorker = (request: Request) => exports.default.fetch(request);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the typed client's contract is current", () => {
  it("client/openapi.json is the document the Worker serves (else: npm run gen:client)", async () => {
    const served = await (await exports.default.fetch(new Request("http://edgeshop.test/openapi.json"))).json();
    expect(JSON.parse(committedDocument)).toEqual(served);
  });

  it("client/schema.d.ts was generated from that document", async () => {
    const stamp = /openapi\.json sha256: ([0-9a-f]{64})/.exec(committedSchema)?.[1];
    expect(stamp).toBe(await sha256Hex(committedDocument));
  });
});

describe("createEdgeshopClient", () => {
  it("creates, reads with the ETag, updates with If-Match, and types problem codes", async () => {
    const store = await createStore();
    const shop = createEdgeshopClient({ baseUrl: "http://edgeshop.test", token: store.key, fetch: viaWorker });
    const created = await shop.POST("/v1/products", { body: { title: "Client mug", price_cents: 1800 } });
    expect(created.response.status).toBe(201);
    const id = created.data!.id;
    const read = await shop.GET("/v1/products/{id}", { params: { path: { id } } });
    const updated = await shop.PATCH("/v1/products/{id}", { params: { path: { id }, header: ifMatch(read.response) }, body: { price_cents: 1700 } });
    expect(updated.data).toMatchObject({ price_cents: 1700, version: 2 });
    const stale = await shop.PATCH("/v1/products/{id}", { params: { path: { id }, header: ifMatch(read.response) }, body: { price_cents: 1600 } });
    expect(isProblem(stale.error, "stale_version")).toBe(true);
    const missing = await shop.GET("/v1/products/{id}", { params: { path: { id: "prod_missing" } } });
    expect(missing.error?.code).toBe("not_found");
  });

  it("gives every POST an Idempotency-Key and retries a lost answer with the same key: one effect", async () => {
    const store = await createStore();
    const keys: string[] = [];
    let dropFirst = true;
    const flaky = async (request: Request) => {
      keys.push(request.headers.get("Idempotency-Key") ?? "");
      const response = await viaWorker(request);
      if (dropFirst) {
        dropFirst = false;
        return new Response(JSON.stringify({ code: "service_unavailable" }), { status: 503, headers: { "Retry-After": "0" } });
      }
      return response;
    };
    const shop = createEdgeshopClient({ baseUrl: "http://edgeshop.test", token: store.key, fetch: flaky });
    const created = await shop.POST("/v1/gift-cards", { body: { amount_cents: 2500 } });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get("Idempotent-Replayed")).toBe("true");
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    const list = await shop.GET("/v1/gift-cards", {});
    expect(list.data!.data).toHaveLength(1);
    expect(created.data!.code).toMatch(/^[A-Z0-9]{4}-/);
  });
});

/** Type-level tests: `npm test` type-checks this file, so each line below must fail to compile. */
export function typeTests(shop: ReturnType<typeof createEdgeshopClient>) {
  // @ts-expect-error If-Match is required on every update of a versioned resource.
  void shop.PATCH("/v1/products/{id}", { params: { path: { id: "prod_1" } }, body: { price_cents: 1 } });
  // @ts-expect-error A required body field is required.
  void shop.POST("/v1/products", { body: { title: "x" } });
  // @ts-expect-error Problem codes are a closed set.
  void isProblem(null, "no_such_code");
  // Idempotency-Key is optional in the types even where the API requires it: the client adds one.
  void shop.POST("/v1/orders", { body: { currency: "USD", lines: [{ title: "Custom", unit_price_cents: 100, quantity: 1 }] } });
}
