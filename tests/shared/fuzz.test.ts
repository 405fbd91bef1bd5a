import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { OPERATOR, type TestStore, call, createStore, unique } from "../helpers";

/**
 * Property-based fuzzing of every operation with a JSON request body, read from the live OpenAPI
 * document: arbitrary JSON, very deep nesting, huge and non-safe-integer numbers, strings with NUL
 * and lone surrogates, and mutations of the documented example body. Whatever is sent, the answer
 * is never a 5xx, and every 4xx is problem+json with a code. Seeded and bounded to stay CI-fast.
 */
const RUNS_PER_OPERATION = 25;
const SEED = 20261202;

interface Operation {
  method: string;
  path: string;
  security: string[];
  headers: Array<{ name: string; required: boolean }>;
  example: unknown;
  /** Media types the document declares per status (an HTML page for people, or problem+json). */
  responses: Record<string, string[]>;
}

type Doc = {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any> };
};

function exampleOf(doc: Doc, schema: any): unknown {
  if (!schema) return {};
  if (schema.example !== undefined) return schema.example;
  if (typeof schema.$ref === "string") return exampleOf(doc, doc.components.schemas[schema.$ref.split("/").pop()!]);
  return {};
}

function jsonOperations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const content = op?.requestBody?.content?.["application/json"];
      if (!content) continue;
      out.push({
        method: method.toUpperCase(),
        path,
        security: (op.security ?? []).flatMap((s: Record<string, unknown>) => Object.keys(s)),
        headers: (op.parameters ?? [])
          .filter((p: { in: string }) => p.in === "header")
          .map((p: { name: string; required?: boolean }) => ({ name: p.name, required: p.required === true })),
        example: exampleOf(doc, content.schema),
        responses: Object.fromEntries(Object.entries(op.responses ?? {}).map(([status, r]: [string, any]) => [status, Object.keys(r?.content ?? {})])),
      });
    }
  }
  return out;
}

// Raw JSON number texts that JSON.stringify could never produce; spliced in through placeholders.
const RAW_NUMBERS = ["1e400", "-1e400", "1e-400", "9007199254740993", "-9007199254740993", "123456789012345678901234567890", "0.1e1", "-0", "1E+2"];
const rawNumber = fc.constantFrom(...RAW_NUMBERS.map((_, i) => `\u0000raw${i}\u0000`));
const weirdString = fc
  .array(fc.oneof(fc.constantFrom("\u0000", "\ud800", "\udfff", "\udc00\ud800", "😀", "é", "\u2028", '"', "\\", "{", "[", ",", " "), fc.string({ maxLength: 6 })), { maxLength: 12 })
  .map((parts) => parts.join(""));
const longString = fc.integer({ min: 200, max: 20_000 }).map((n) => "x".repeat(n));
const scalar = fc.oneof(
  weirdString,
  longString,
  rawNumber,
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, -1, 0, true, false, null),
);
const anyValue = fc.oneof(scalar, fc.jsonValue({ maxDepth: 4 }), fc.array(scalar, { maxLength: 5 }), fc.dictionary(weirdString, scalar, { maxKeys: 4 }));

function toText(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(/"\\u0000raw(\d+)\\u0000"/g, (_, i: string) => RAW_NUMBERS[Number(i)]!);
}

/** Bodies: deep nesting, arbitrary JSON, or the example with one member replaced, removed or added. */
function bodies(example: unknown): fc.Arbitrary<string> {
  const base = example !== null && typeof example === "object" && !Array.isArray(example) ? (example as Record<string, unknown>) : {};
  const keys = [...Object.keys(base), "unknown_field"];
  const deep = fc
    .tuple(fc.integer({ min: 60, max: 5_000 }), fc.constantFrom("[", '{"a":'), fc.boolean())
    .map(([depth, open, wrap]) => {
      const close = open === "[" ? "]" : "}";
      const nested = `${open.repeat(depth)}${open === "[" ? "" : "1"}${close.repeat(depth)}`;
      return wrap ? `{"${keys[0]}":${nested}}` : nested;
    });
  const mutated = fc
    .record({ key: fc.constantFrom(...keys), value: anyValue, remove: fc.boolean(), nested: fc.boolean() })
    .map(({ key, value, remove, nested }) => {
      const copy: Record<string, unknown> = structuredClone(base);
      const inner = copy[key];
      if (nested && Array.isArray(inner) && inner.length > 0) {
        const first = inner[0];
        inner[0] = first !== null && typeof first === "object" ? { ...first, [Object.keys(first)[0] ?? "x"]: value } : value;
      } else if (remove) delete copy[key];
      else copy[key] = value;
      return toText(copy);
    });
  return fc.oneof({ weight: 1, arbitrary: deep }, { weight: 2, arbitrary: anyValue.map(toText) }, { weight: 4, arbitrary: mutated });
}

let store: TestStore;
const ids: Record<string, string> = {};

async function must(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await call(method, path, { token: store.key, body, headers });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  store = await createStore();
  ids.product = (await must("POST", "/v1/products", { title: "Fuzz", price_cents: 100, inventory: 10 })).id;
  const customer = await must("POST", "/v1/customers", {
    email: `${unique("fuzz")}@example.com`,
    password: "correct horse battery",
    addresses: [{ line1: "1 Fuzz St", city: "Sydney", country: "AU" }],
  });
  ids.customer = customer.id;
  ids.order = (
    await must(
      "POST",
      "/v1/orders",
      { currency: "USD", customer_id: customer.id, lines: [{ product_id: ids.product, quantity: 1 }] },
      { "Idempotency-Key": unique("fuzz") },
    )
  ).id;
}, 60_000);

function concretePath(path: string): string {
  const kind = path.startsWith("/v1/orders") ? "order" : path.startsWith("/v1/products") ? "product" : "customer";
  return path.replace("{id}", ids[kind]!);
}

function tokenFor(op: Operation): string | undefined {
  if (op.security.includes("operatorToken")) return OPERATOR;
  if (op.security.includes("apiKey")) return store.key;
  return undefined;
}

describe("fuzzing every JSON request body", () => {
  it("finds no 5xx and no error that is not problem+json with a code", async () => {
    const doc = (await call("GET", "/openapi.json")).body as Doc;
    const operations = jsonOperations(doc);
    expect(operations.length).toBeGreaterThanOrEqual(15);
    const failures: string[] = [];
    let sent = 0;
    for (const [index, op] of operations.entries()) {
      const path = concretePath(op.path);
      await fc.assert(
        fc.asyncProperty(bodies(op.example), fc.constantFrom('"1"', '"2"', '"999"', "*", "garbage"), async (text, ifMatch) => {
          const headers: Record<string, string> = { "Content-Type": "application/json" };
          const token = tokenFor(op);
          if (token) headers.Authorization = `Bearer ${token}`;
          for (const header of op.headers) {
            if (header.name === "Idempotency-Key") headers[header.name] = unique("fz");
            if (header.name === "If-Match") headers[header.name] = ifMatch;
          }
          sent += 1;
          const res = await call(op.method, path, { rawBody: text, headers });
          const type = (res.headers.get("Content-Type") ?? "").split(";")[0]!;
          // A page for people (the email confirmation page) may declare HTML errors; everything else is problem+json.
          const html = type === "text/html" && (op.responses[String(res.status)] ?? []).includes("text/html");
          const problem = res.status >= 400 && !html && type !== "application/problem+json";
          if (res.status >= 500 || problem || (res.status >= 400 && !html && typeof res.body?.code !== "string")) {
            failures.push(`${op.method} ${op.path} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)} for ${text.slice(0, 300)}`);
            return false;
          }
          return true;
        }),
        { numRuns: RUNS_PER_OPERATION, seed: SEED + index, endOnFailure: true },
      ).catch((error: unknown) => {
        // A recorded failure already says what was sent; anything else (a thrown error) is a failure too.
        if (!failures.some((f) => f.startsWith(`${op.method} ${op.path} `))) failures.push(`${op.method} ${op.path} threw ${String(error).slice(0, 500)}`);
      });
    }
    expect(failures).toEqual([]);
    expect(sent).toBe(operations.length * RUNS_PER_OPERATION);
  });
});
