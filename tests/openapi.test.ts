import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document listing every route", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    // Full schema validation (@seriousme/openapi-schema-validator) needs Node's fs and Ajv's code
    // generation, neither of which workerd offers; this test checks the document is generated at all.
    expect(res.body.openapi).toBe("3.1.0");
    const paths = Object.keys(res.body.paths);
    for (const path of [
      "/v1/products",
      "/v1/products/count",
      "/v1/products/search",
      "/v1/products/bulk",
      "/v1/products/{id}",
      "/v1/products/{id}/inventory",
      "/v1/products/{id}/inventory/ledger",
      "/v1/products/{id}/tags",
      "/v1/products/{id}/tags/{tag}",
      "/v1/customers",
      "/v1/customers/count",
      "/v1/customers/{id}",
      "/v1/customers/{id}/snapshot",
      "/v1/customers/{id}/addresses",
      "/v1/customers/{id}/addresses/{address_id}",
      "/v1/customers/{id}/addresses/{address_id}/make-primary",
      "/v1/customers/{id}/emails",
      "/v1/customers/{id}/emails/{email_id}",
      "/v1/customers/{id}/emails/{email_id}/make-primary",
      "/v1/customers/{id}/send-confirmation",
      "/v1/email-deliveries/{id}",
      "/v1/auth/login",
      "/v1/auth/logout",
      "/v1/auth/me",
      "/v1/auth/confirm",
      "/v1/confirm/{token}",
    ]) {
      expect(paths, path).toContain(path);
    }
  });
});
