import type { Context, MiddlewareHandler } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import { randomBase62 } from "./crypto";
import { ApiError } from "./errors";
import { parseJsonBody } from "./json";

/** Largest JSON body accepted: bulk endpoints of 100 items fit comfortably. */
export const MAX_BODY_BYTES = 1024 * 1024;

const SANE_REQUEST_ID = /^[\w=-]{1,128}$/;

export interface CorsOptions {
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

const requestIds = new WeakMap<Request, string>();

/**
 * The Worker's entry around the app: every response carries `X-Request-Id` (a sane inbound one, up
 * to 128 of `[A-Za-z0-9_=-]`, is reused; else a new one) and CORS for any origin (bearer tokens,
 * never cookies); a preflight (`OPTIONS`) is answered here with 204. Done outside hono: as hono
 * middleware (`requestId` + `cors`, then one `await next()` layer of our own) it was an async frame
 * around every request and, for hono's `cors`, a second build of every response.
 */
export function withResponseHeaders<E>(fetch: (request: Request, env: E, ctx: ExecutionContext) => Response | Promise<Response>, cors: CorsOptions) {
  const expose = cors.exposeHeaders.join(",");
  const preflight: Record<string, string> = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": cors.allowMethods.join(","),
    "Access-Control-Allow-Headers": cors.allowHeaders.join(","),
    "Access-Control-Max-Age": String(cors.maxAgeSeconds),
    "Access-Control-Expose-Headers": expose,
    Vary: "Access-Control-Request-Headers",
  };
  return async (request: Request, env: E, ctx: ExecutionContext): Promise<Response> => {
    const inbound = request.headers.get("X-Request-Id");
    const id = inbound !== null && SANE_REQUEST_ID.test(inbound) ? inbound : `req_${randomBase62(20)}`;
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: { ...preflight, "X-Request-Id": id } });
    requestIds.set(request, id);
    let response = await fetch(request, env, ctx);
    try {
      response.headers.set("X-Request-Id", id);
    } catch {
      // A response with immutable headers (one passed through from fetch): copy it once.
      response = new Response(response.body, response);
      response.headers.set("X-Request-Id", id);
    }
    response.headers.set("Access-Control-Allow-Origin", "*");
    response.headers.set("Access-Control-Expose-Headers", expose);
    return response;
  };
}

/** The id `withResponseHeaders` gave this request (a new one for a request that did not pass it). */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (id === undefined) {
    id = `req_${randomBase62(20)}`;
    requestIds.set(request, id);
  }
  return id;
}

/**
 * The methods that have routes on a path (a GET route also answers HEAD), for the 405 answer of a
 * request no route took. Middleware (`ALL`) does not count. Built on first use.
 */
export function methodsByPath(routes: () => readonly { method: string; path: string }[]): (path: string) => string[] {
  let router: TrieRouter<string[]> | undefined;
  return (path) => {
    if (!router) {
      const byPath = new Map<string, Set<string>>();
      for (const route of routes()) {
        if (route.method === "ALL" || route.method === "HEAD") continue;
        const methods = byPath.get(route.path) ?? new Set<string>();
        methods.add(route.method);
        if (route.method === "GET") methods.add("HEAD");
        byPath.set(route.path, methods);
      }
      router = new TrieRouter<string[]>();
      for (const [routePath, methods] of byPath) router.add("ALL", routePath, [...methods]);
    }
    const allowed = new Set<string>();
    for (const [methods] of router.match("ALL", path)[0]) for (const method of methods) allowed.add(method);
    return [...allowed];
  };
}

const payloadTooLarge = (maxBytes: number) => new ApiError("payload_too_large", `The body must be at most ${maxBytes} bytes`);

/** The body as text, refused with 413 past `maxBytes` (a declared length before reading; a chunked body while it streams). */
async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && request.headers.get("Transfer-Encoding") === null) {
    if (Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
    return request.text();
  }
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/**
 * Reads a POST/PUT/PATCH body once: enforces the size (413 `payload_too_large`), the JSON media type
 * (415) and JSON syntax (400), then hands the parsed value to the route validators through hono's
 * body cache. Other methods' bodies are never read.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "POST" && method !== "PUT" && method !== "PATCH") return next();
    const text = c.req.raw.body ? await readText(c.req.raw, maxBytes) : "";
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim();
    let parsed: unknown = {};
    if (text.trim() !== "") {
      if (!JSON_MEDIA.test(mediaType)) {
        throw new ApiError("unsupported_media_type", `Expected application/json, got ${mediaType || "no Content-Type"}`);
      }
      parsed = parseJsonBody(text);
    }
    // hono's body cache holds promises at runtime (so falsy bodies stay cached) and derives json()
    // from the cached text: an empty body reads as "{}" for validators but stays zero bytes for
    // the "is there a body?" checks of optional-body routes.
    const cache = c.req.bodyCache as Record<string, unknown>;
    cache.json = Promise.resolve(parsed);
    cache.text = Promise.resolve(text.trim() === "" ? "{}" : text);
    // Encoded only if something asks for the bytes (most requests never do).
    let bytes: Promise<ArrayBuffer> | undefined;
    Object.defineProperty(cache, "arrayBuffer", {
      enumerable: true,
      configurable: true,
      get: () => (bytes ??= Promise.resolve(text.trim() === "" ? new ArrayBuffer(0) : (new TextEncoder().encode(text).buffer as ArrayBuffer))),
    });
    return next();
  };
}

/** The JSON body `jsonBody()` already parsed (an empty body is `{}`); never parses twice. */
export async function parsedBody(c: Pick<Context, "req">): Promise<unknown> {
  return (await c.req.bodyCache.json) ?? {};
}
