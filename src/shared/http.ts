import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "./errors";
import { randomBase62 } from "./crypto";
import { parseJsonBody } from "./json";

/** Largest JSON body accepted: bulk endpoints of 100 items fit comfortably. */
export const MAX_BODY_BYTES = 1024 * 1024;

const REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

/** Reuses a sane inbound `X-Request-Id` or makes one; every response carries it. */
export function requestId(): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async (c, next) => {
    const inbound = c.req.header("X-Request-Id");
    const id = inbound && REQUEST_ID.test(inbound) ? inbound : `req_${randomBase62(20)}`;
    c.set("requestId", id);
    await next();
    c.res.headers.set("X-Request-Id", id);
  };
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/**
 * Reads a POST/PUT/PATCH body once: enforces the size limit (413), the JSON media type (415) and
 * JSON syntax (400), then hands the parsed value to the route validators through hono's body cache.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "POST" && method !== "PUT" && method !== "PATCH") return next();
    const declared = c.req.header("Content-Length");
    if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const text = await readLimited(c.req.raw, maxBytes);
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
    cache.arrayBuffer = Promise.resolve(text.trim() === "" ? new ArrayBuffer(0) : new TextEncoder().encode(text).buffer);
    return next();
  };
}

async function readLimited(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The body must be at most ${maxBytes} bytes`);
}

/** The JSON body `jsonBody()` already parsed (an empty body is `{}`); never parses twice. */
export async function parsedBody(c: Context): Promise<unknown> {
  return (await c.req.bodyCache.json) ?? {};
}
