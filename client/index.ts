/**
 * `edgeshop/client`: a typed client of the whole API, generated from `/openapi.json`
 * (openapi-typescript types, openapi-fetch calls). Paths, parameters, bodies, responses and problem
 * codes are typed; a call that omits a required `If-Match` does not compile.
 *
 *   const shop = createEdgeshopClient({ baseUrl: "http://127.0.0.1:8787", token: "sk_..." });
 *   const { data, error, response } = await shop.POST("/v1/products", { body: { title: "Mug", price_cents: 1800 } });
 *   await shop.PATCH("/v1/products/{id}", { params: { path: { id: data!.id }, header: ifMatch(response) }, body: { price_cents: 1700 } });
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
export type Problem = components["schemas"]["Problem"];
/** Every stable error code the API answers with (`error.code` of any call). */
export type ProblemCode = Problem["code"];
export type EdgeshopClient = Client<paths>;

export interface EdgeshopClientOptions {
  baseUrl: string;
  /** An API key (`sk_`), access token (`at_`), customer session (`cst_`) or the operator token. */
  token?: string;
  headers?: Record<string, string>;
  fetch?: (request: Request) => Promise<Response>;
  /** Retries of one call after a network error, 503 or 409 `idempotency_key_in_flight` (default 2). */
  retries?: number;
}

const RETRY_STATUSES = new Set([409, 503]);
const MAX_RETRY_WAIT_MS = 5_000;

/**
 * Every POST gets an `Idempotency-Key` when the caller sent none, and the retries of that call reuse
 * it: a payment or an order placed through the client happens once even when the network drops the
 * first answer. Pass your own key to make retries across process restarts safe too.
 */
function idempotentRetries(retries: number, send: (request: Request) => Promise<Response>): Middleware {
  // An untouched copy of each POST (its body is consumed by the first send), for the retries.
  const copies = new WeakMap<Request, Request>();
  return {
    async onRequest({ request }) {
      if (request.method !== "POST") return request;
      if (!request.headers.has("Idempotency-Key")) request.headers.set("Idempotency-Key", crypto.randomUUID());
      copies.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const copy = copies.get(request);
      if (!copy || !RETRY_STATUSES.has(response.status)) return response;
      if (response.status === 409 && (await problemCode(response)) !== "idempotency_key_in_flight") return response;
      let last = response;
      for (let attempt = 0; attempt < retries; attempt++) {
        await wait(last);
        last = await send(copy.clone());
        if (!RETRY_STATUSES.has(last.status)) break;
      }
      return last;
    },
  };
}

async function problemCode(response: Response): Promise<string | undefined> {
  try {
    return ((await response.clone().json()) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

function wait(response: Response): Promise<void> {
  const seconds = Number(response.headers.get("Retry-After") ?? "1");
  const ms = Math.min(MAX_RETRY_WAIT_MS, Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createEdgeshopClient(options: EdgeshopClientOptions): EdgeshopClient {
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ""),
    fetch: send,
    headers: { ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...options.headers },
  });
  client.use(idempotentRetries(options.retries ?? 2, send));
  return client;
}

/**
 * The `If-Match` header for the next update, from the `ETag` of the response that returned the
 * version you read: `header: ifMatch(response)`.
 */
export function ifMatch(response: Response): { "If-Match": string } {
  const etag = response.headers.get("ETag");
  if (!etag) throw new Error("The response carries no ETag");
  return { "If-Match": etag };
}

/** Narrows a call's `error` to a problem with one of the given codes. */
export function isProblem<C extends ProblemCode>(error: unknown, ...codes: C[]): error is Problem & { code: C } {
  return typeof error === "object" && error !== null && codes.includes((error as { code?: C }).code as C);
}
// The `.ts` extension lets Node run this file directly (type stripping), as the e2e test does.
export { type WebhookEvent, verifyWebhook } from "./verify-webhook.ts";
