import { Validator } from "@seriousme/openapi-schema-validator";
import oas31Schema from "@seriousme/openapi-schema-validator/schemas/v3.1/schema.json";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { KIT_ROUTES, type KitRecord } from "../../src/shared/openapi";
import { call, createStore, expectProblem, unique } from "../helpers";

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const validator = independentValidator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const broken = await independentValidator().validate({ ...res.body, paths: { "/x": { get: { responses: "nope" } } } });
    expect(broken.valid).toBe(false);
  });

  it("documents every registered route, built by the route kit", async () => {
    const doc = await document();
    const documented = new Set(operations(doc).map((o) => `${o.method.toUpperCase()} ${o.path}`));
    const registered = createApp()
      .routes.filter((r) => r.method !== "ALL" && !["/openapi.json", "/docs", "/docs/scalar.js"].includes(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:([^/]+)/g, "{$1}")}`);
    expect(registered.length).toBeGreaterThan(30);
    const kit = new Set(KIT_ROUTES.map((r) => `${r.method} ${r.path}`));
    for (const route of registered) {
      expect(documented, route).toContain(route);
      expect(kit, `${route} is declared with the route kit`).toContain(route);
    }
  });

  it("gives every operation a unique camelCase operationId, a declared tag and the security of its kind", async () => {
    const doc = await document();
    const declaredTags = new Set((doc.tags ?? []).map((t: { name: string }) => t.name));
    const ids = new Set<string>();
    const cart = [{ apiKey: [] }, { customerSession: [] }, { cartToken: [] }];
    const securityOf = { store: [{ apiKey: [] }], customer: [{ customerSession: [] }], operator: [{ operatorToken: [] }], public: [], cart, storefront: [...cart, {}], member: [{ apiKey: [] }, { customerSession: [] }] };
    for (const { method, path, op } of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      const record = kitRecord(method, path);
      expect(op.operationId, name).toMatch(/^[a-z]+[A-Z][A-Za-z]*$/);
      expect(ids.has(op.operationId), `${name}: duplicate operationId ${op.operationId}`).toBe(false);
      ids.add(op.operationId);
      expect(op.operationId, name).toBe(record.operationId);
      expect(op.security, name).toEqual(securityOf[record.kind]);
      if (record.kind !== "public") expect(op.responses["401"], `${name} documents 401`).toBeDefined();
      expect(op.tags?.length, `${name} has a tag`).toBeGreaterThan(0);
      for (const tag of op.tags) expect(declaredTags, `${name}: tag ${tag} declared at the top level`).toContain(tag);
      for (const [status, response] of Object.entries<any>(op.responses)) {
        expect(response.headers?.["X-Request-Id"], `${name} ${status} declares X-Request-Id`).toBeDefined();
        if (status === "429" || status === "503") expect(response.headers?.["Retry-After"], `${name} ${status} Retry-After`).toBeDefined();
        if (record.secret && status.startsWith("2")) expect(response.headers?.["Cache-Control"], `${name} ${status} no-store`).toBeDefined();
      }
    }
  });

  it("declares If-Match required exactly where 428 is answered, and Idempotency-Key required where it is enforced", async () => {
    const doc = await document();
    const ifMatchRoutes = KIT_ROUTES.filter((r) => r.ifMatch).map((r) => `${r.method} ${r.path}`);
    const keyRoutes = KIT_ROUTES.filter((r) => r.idempotency === "required").map((r) => `${r.method} ${r.path}`);
    expect(ifMatchRoutes).toEqual(expect.arrayContaining(["PATCH /v1/store", "PATCH /v1/products/{id}", "PATCH /v1/customers/{id}", "PATCH /v1/orders/{id}"]));
    expect(keyRoutes).toContain("POST /v1/orders");
    const answers428: string[] = [];
    const requiresKey: string[] = [];
    for (const { method, path, op } of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      const header = (h: string) => (op.parameters ?? []).find((p: any) => p.in === "header" && p.name === h);
      if (op.responses["428"]) {
        answers428.push(name);
        expect(header("If-Match")?.required, `${name} requires If-Match`).toBe(true);
      }
      if (header("Idempotency-Key")?.required) {
        requiresKey.push(name);
        expect(op.responses["400"], `${name} documents 400 idempotency_key_missing`).toBeDefined();
      }
    }
    expect(answers428.sort()).toEqual(ifMatchRoutes.sort());
    expect(requiresKey.sort()).toEqual(keyRoutes.sort());
  });

  it("enforces what it declares: credentials, If-Match and required Idempotency-Keys", async () => {
    const store = await createStore();
    const concrete = (path: string) => path.replace(/\{([^}]+)\}/g, "x_1");
    for (const route of KIT_ROUTES) {
      const name = `${route.method} ${route.path}`;
      // "storefront" routes also serve callers without a credential (an anonymous cart is opened with a store id).
      if (route.kind !== "public" && route.kind !== "storefront") {
        const body = route.method === "GET" ? undefined : {};
        expectProblem(await call(route.method, concrete(route.path), { body }), 401, "unauthenticated");
      }
      if (route.kind !== "store") continue;
      if (route.ifMatch) {
        const res = await call(route.method, concrete(route.path), { token: store.key, body: {}, headers: { "Idempotency-Key": unique(name) } });
        expectProblem(res, 428, "precondition_required");
      }
      if (route.idempotency === "required") {
        expectProblem(await call(route.method, concrete(route.path), { token: store.key, body: {} }), 400, "idempotency_key_missing");
      }
    }
  });

  it("publishes patterns that accept the values the API accepts", async () => {
    const doc = await document();
    const tag = (doc.paths["/v1/products/{id}/tags/{tag}"].put.parameters as any[]).find((p) => p.name === "tag");
    const pattern = new RegExp(tag.schema.pattern);
    expect(pattern.test("summer")).toBe(true);
    expect(pattern.test("a,b")).toBe(false);
  });
});

async function document(): Promise<any> {
  const res = await call("GET", "/openapi.json");
  expect(res.status).toBe(200);
  return res.body;
}

function operations(doc: any): Array<{ method: string; path: string; op: any }> {
  return Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([method, op]) => ({ method, path, op })),
  );
}

function kitRecord(method: string, path: string): KitRecord {
  const record = KIT_ROUTES.find((r) => r.method === method.toUpperCase() && r.path === path);
  if (!record) throw new Error(`${method} ${path} was not declared with the route kit`);
  return record;
}

describe("GET /docs", () => {
  it("renders an HTML API reference pointing at the document", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    expect(res.body).toContain("<html");
    expect(res.body).toContain("/openapi.json");
  });
});

/**
 * The validator reads its bundled OpenAPI 3.1 JSON Schema from disk, which workerd has no access
 * to; hand it the same schema compiled the same way (Ajv 2020-12, formats on, strict off).
 */
function independentValidator(): Validator {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addFormat("media-range", true);
  const validator = new Validator();
  (validator as unknown as { ajvValidators: Record<string, unknown> }).ajvValidators["3.1"] = ajv.compile(oas31Schema);
  return validator;
}
