import { exports } from "cloudflare:workers";
import { type ClientResponse, hc } from "hono/client";
import type { AppType } from "../src/app";

export const OPERATOR = "test-operator-token";

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends a request through the real Worker entry (`exports.default.fetch`) and parses JSON. */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  const response = await exports.default.fetch(new Request(`http://edgeshop.test${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = text;
  if (text && /json/.test(response.headers.get("Content-Type") ?? "")) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/**
 * A typed client of the whole API (routes, inputs and bodies inferred from the route contracts),
 * sending through the real Worker entry like `call()`:
 * `const res = await send(api(store.key).v1.products.$post({ json: { title: "Mug", price_cents: 1 } }))`.
 */
export function api(token?: string, headers: Record<string, string> = {}) {
  return hc<AppType>("http://edgeshop.test", {
    headers: { ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
  });
}

/** Awaits a typed client call and reads its body: `body` is typed by the status the test checks. */
export async function send<T, S extends number>(request: Promise<ClientResponse<T, S, string>>): Promise<TypedResult<T, S>> {
  const response = await request;
  const text = await response.text();
  const body = text && /json/.test(response.headers.get("Content-Type") ?? "") ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body } as TypedResult<T, S>;
}

/** A discriminated union: narrowing on `status` narrows `body` to that response's schema. */
export type TypedResult<T, S extends number> = S extends number ? { status: S; headers: Headers; body: T } : never;

let counter = 0;
/** A unique name per call, so tests never collide inside one file's shared storage. */
export function unique(label: string): string {
  counter += 1;
  return `${label}-${counter}-${crypto.randomUUID().slice(0, 8)}`;
}

export interface TestStore {
  id: string;
  key: string;
  keyId: string;
  appId: string;
  appSecret: string;
}

/** Creates a store through the operator endpoint and returns its credentials. */
export async function createStore(overrides: Record<string, unknown> = {}): Promise<TestStore> {
  const res = await call("POST", "/v1/stores", {
    token: OPERATOR,
    body: { name: unique("store"), currency: "USD", ...overrides },
  });
  if (res.status !== 201) throw new Error(`store creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.store.id,
    key: res.body.api_key.secret,
    keyId: res.body.api_key.id,
    appId: res.body.store.app_id,
    appSecret: res.body.app_secret,
  };
}

/** Asserts the RFC 9457 shape every error must have. */
export function expectProblem(res: CallResult, status: number, code: string) {
  const failures: string[] = [];
  if (res.status !== status) failures.push(`status ${res.status} != ${status}`);
  if (!(res.headers.get("Content-Type") ?? "").startsWith("application/problem+json")) failures.push("content-type");
  if (res.body?.code !== code) failures.push(`code ${res.body?.code} != ${code}`);
  if (typeof res.body?.request_id !== "string" || res.body.request_id !== res.headers.get("X-Request-Id")) {
    failures.push("request_id");
  }
  if (res.body?.status !== status || typeof res.body?.title !== "string" || typeof res.body?.type !== "string") {
    failures.push("problem members");
  }
  if (failures.length) throw new Error(`not the expected problem (${failures.join(", ")}): ${JSON.stringify(res.body)}`);
}

/**
 * The Worker entry's extra handlers (enabled in tests by `service_binding_extra_handlers`); the
 * generated loopback type only knows fetch.
 */
export interface EntryHandlers {
  scheduled(options: { cron: string; scheduledTime: Date }): Promise<{ outcome: string; noRetry: boolean }>;
  queue(
    queueName: string,
    messages: Array<{ id: string; timestamp: Date; body: unknown; attempts: number }>,
  ): Promise<{ outcome: string; ackAll: boolean; retryBatch: { retry: boolean }; explicitAcks: string[]; retryMessages: Array<{ msgId: string }> }>;
}

export function entry(): EntryHandlers {
  return exports.default as unknown as EntryHandlers;
}
