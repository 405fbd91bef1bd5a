import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId as honoRequestId } from "hono/request-id";
import { randomBase62 } from "./crypto";
import { ApiError } from "./errors";
import { parseJsonBody } from "./json";

/** Largest JSON body accepted: bulk endpoints of 100 items fit comfortably. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reuses a sane inbound `X-Request-Id` (up to 128 of `[A-Za-z0-9_=-]`) or makes one; every response carries it. */
export function requestId(): MiddlewareHandler {
  return honoRequestId({ limitLength: 128, generator: () => `req_${randomBase62(20)}` });
}

/** Refuses bodies over the limit with 413 `payload_too_large` (declared length or counted bytes). */
export function bodySizeLimit(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("payload_too_large", `The body must be at most ${maxBytes} bytes`);
    },
  });
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/**
 * Reads a POST/PUT/PATCH body once: enforces the JSON media type (415) and JSON syntax (400), then
 * hands the parsed value to the route validators through hono's body cache. Runs after `bodySizeLimit()`.
 */
export function jsonBody(): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "POST" && method !== "PUT" && method !== "PATCH") return next();
    const text = c.req.raw.body ? await c.req.raw.text() : "";
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

/** The JSON body `jsonBody()` already parsed (an empty body is `{}`); never parses twice. */
export async function parsedBody(c: Pick<Context, "req">): Promise<unknown> {
  return (await c.req.bodyCache.json) ?? {};
}
