import { Validator } from "@seriousme/openapi-schema-validator";
import oas31Schema from "@seriousme/openapi-schema-validator/schemas/v3.1/schema.json";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call } from "../helpers";

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

  it("documents every registered route, its security and its errors", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const app = createApp();
    const registered = app.routes
      .filter((r) => r.method !== "ALL" && !["/openapi.json", "/docs", "/docs/scalar.js"].includes(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:([^/]+)/g, "{$1}")}`);
    expect(registered.length).toBeGreaterThan(5);
    for (const route of registered) expect(documented, route).toContain(route);
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(op.responses["400"], `${method} ${path} documents 400`).toBeDefined();
        expect(op.security, `${method} ${path} declares security`).toBeDefined();
      }
    }
    expect(Object.keys(doc.components.securitySchemes)).toEqual(expect.arrayContaining(["apiKey", "operatorToken"]));
    expect(doc.components.schemas.Problem).toBeDefined();
  });
});

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
