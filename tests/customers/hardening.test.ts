import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";

const address = (line1: string, extra: Record<string, unknown> = {}) => ({ line1, city: "Sydney", country: "AU", ...extra });

describe("address country", () => {
  it("accepts any letter case, stores upper case, and the document says so", async () => {
    const store = await createStore();
    const res = await call("POST", "/v1/customers", {
      token: store.key,
      body: { email: `${unique("c")}@example.com`, addresses: [address("1 Main St", { country: "us" })] },
    });
    expect(res.status).toBe(201);
    expect(res.body.addresses[0].country).toBe("US");
    expectProblem(
      await call("POST", `/v1/customers/${res.body.id}/addresses`, { token: store.key, body: address("2 Main St", { country: "usa" }) }),
      400,
      "validation_failed",
    );
    const doc = (await call("GET", "/openapi.json")).body;
    const country = doc.components.schemas.AddressInput.properties.country;
    for (const accepted of ["us", "US", "Us"]) expect(new RegExp(country.pattern).test(accepted), accepted).toBe(true);
    for (const refused of ["usa", "u", "1A"]) expect(new RegExp(country.pattern).test(refused), refused).toBe(false);
    expect(country.description).toMatch(/upper case/i);
  });
});

describe("addresses created in one request", () => {
  it("come back in the order sent", async () => {
    const store = await createStore();
    const lines = Array.from({ length: 12 }, (_, i) => `${i + 1} Order St`);
    const res = await call("POST", "/v1/customers", {
      token: store.key,
      body: { email: `${unique("c")}@example.com`, addresses: lines.map((line) => address(line)) },
    });
    expect(res.status).toBe(201);
    expect(res.body.addresses.map((a: { line1: string }) => a.line1)).toEqual(lines);
    const listed = await call("GET", `/v1/customers/${res.body.id}/addresses`, { token: store.key });
    expect(listed.body.data.map((a: { line1: string }) => a.line1)).toEqual(lines);
    const got = await call("GET", `/v1/customers/${res.body.id}`, { token: store.key });
    expect(got.body.addresses.map((a: { line1: string }) => a.line1)).toEqual(lines);
  });

  it("keep the order sent after the primary when a later one is primary", async () => {
    const store = await createStore();
    const lines = Array.from({ length: 8 }, (_, i) => `${i + 1} Primary St`);
    const res = await call("POST", "/v1/customers", {
      token: store.key,
      body: { email: `${unique("c")}@example.com`, addresses: lines.map((line, i) => address(line, i === 5 ? { is_primary: true } : {})) },
    });
    expect(res.body.addresses.map((a: { line1: string }) => a.line1)).toEqual([lines[5], ...lines.filter((_, i) => i !== 5)]);
  });
});
