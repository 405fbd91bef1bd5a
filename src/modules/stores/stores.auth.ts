import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { timingSafeEqualStrings } from "../../shared/crypto";
import { ApiError } from "../../shared/errors";
import { routeKit } from "../../shared/openapi";
import type { Principal } from "./stores.cache";
import { authenticate, needsLastUsedRefresh, touchCredential } from "./stores.service";

/** The env of a route behind `requireStore()`: `c.var.principal` is the authenticated credential. */
export type StoreEnv = AppEnv & { Variables: { principal: Principal } };
export type StoreContext = Context<StoreEnv>;

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/**
 * Requires a store credential (`sk_` API key or `at_` access token) and derives the tenant from it.
 * An `X-Tenant-Id` header, when sent, must name that store.
 */
export function requireStore(): MiddlewareHandler<StoreEnv> {
  return async (c, next) => {
    const secret = bearer(c.req.header("Authorization"));
    if (!secret) throw new ApiError("unauthenticated", "Send Authorization: Bearer <api key or access token>");
    const principal = await authenticate(c.var.db, secret);
    if (!principal) throw new ApiError("unauthenticated", "The credential is invalid, expired or revoked");
    const tenant = c.req.header("X-Tenant-Id");
    if (tenant !== undefined && tenant !== principal.storeId) throw new ApiError("tenant_mismatch");
    c.set("principal", principal);
    if (needsLastUsedRefresh(principal.lastUsedAt)) {
      c.executionCtx.waitUntil(touchCredential(c.var.db, principal).catch(() => undefined));
    }
    await next();
  };
}

/** Requires the operator token (Worker secret `OPERATOR_TOKEN`), compared in constant time. */
export function requireOperator(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.OPERATOR_TOKEN;
    if (!expected) throw new ApiError("service_unavailable", "The operator token is not configured");
    const presented = bearer(c.req.header("Authorization"));
    if (!presented || !(await timingSafeEqualStrings(presented, expected))) {
      throw new ApiError("unauthenticated", "An operator token is required");
    }
    await next();
  };
}

/** A route called with a store's API key or access token; the tenant comes from the credential. */
export const storeRoute = routeKit({
  kind: "store",
  security: [{ apiKey: [] }],
  middleware: () => [requireStore()] as [MiddlewareHandler<StoreEnv>],
  errors: [401, 403, 503],
  tenantHeader: true,
});

/** A route called with the operator token. */
export const operatorRoute = routeKit({
  kind: "operator",
  security: [{ operatorToken: [] }],
  middleware: () => [requireOperator()] as [MiddlewareHandler<AppEnv>],
  errors: [401, 503],
});
