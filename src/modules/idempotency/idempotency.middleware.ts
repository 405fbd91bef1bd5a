import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { parsedBody } from "../../shared/http";
import { parseIdempotencyKey, requestFingerprint } from "../../shared/idempotency-key";
import { type IdempotencyScope, claim, complete, inspect, recordId, release } from "./idempotency.service";

/** Outcomes that did no work and so are not remembered: the client may fix the request and retry. */
const NOT_STORED = new Set([400, 401, 403, 404, 405, 413, 415, 428, 429]);
const REPLAYED_HEADERS = ["content-type", "etag", "location"];
const WAIT_STEP_MS = 100;
const WAIT_LIMIT_MS = 5_000;

export interface IdempotentOptions {
  /** Order creation and checkout require the header (400 `idempotency_key_missing`). */
  required?: boolean;
  /** Defaults to the authenticated store and credential. */
  scope?: (c: Context<AppEnv>) => { storeId: string; credentialId: string };
}

/**
 * `Idempotency-Key` for D1-backed POSTs: the first request runs and its response is stored
 * (encrypted) for 24 h; a repeat with the same body replays it with `Idempotent-Replayed: true`,
 * another body is 422, and a repeat during the first waits for it (409 after 5 s).
 */
export function idempotent(
  options: IdempotentOptions = {},
): MiddlewareHandler<AppEnv & { Variables: { principal?: { storeId: string; credentialId: string } } }> {
  return async (c, next) => {
    const key = parseIdempotencyKey(c.req.header("Idempotency-Key"), options.required ?? false);
    if (key === null) return next();
    const owner = options.scope ? options.scope(c) : { storeId: c.var.principal!.storeId, credentialId: c.var.principal!.credentialId };
    const scope: IdempotencyScope = { ...owner, method: c.req.method, route: c.req.routePath, key };
    const requestHash = await requestFingerprint(c.req.method, c.req.path, await parsedBody(c));
    const secret = c.env.SIGNING_SECRET;

    let result = await claim(c.var.db, scope, requestHash, secret);
    if (result.kind === "in_flight") {
      const id = await recordId(scope);
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (result.kind === "in_flight" && Date.now() < deadline) {
        await scheduler.wait(WAIT_STEP_MS);
        result = await inspect(c.var.db, id, requestHash, secret);
      }
    }
    switch (result.kind) {
      case "mismatch":
        throw new ApiError("idempotency_key_reused", "This Idempotency-Key was used with a different request");
      case "in_flight":
        throw new ApiError("idempotency_key_in_flight", "The first request with this key is still running", {
          headers: { "Retry-After": "1" },
        });
      case "replay": {
        const headers = new Headers(result.response.headers);
        headers.set("Idempotent-Replayed", "true");
        return new Response(result.response.body, { status: result.response.status, headers });
      }
      case "claimed":
        break;
    }

    await next();
    const status = c.res.status;
    if (status >= 500 || NOT_STORED.has(status)) {
      await release(c.var.db, result.id);
      return;
    }
    const body = await c.res.clone().text();
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = c.res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    await complete(c.var.db, result.id, { status, headers, body }, secret);
  };
}
