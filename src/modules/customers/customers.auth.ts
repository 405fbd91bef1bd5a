import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { routeKit } from "../../shared/openapi";
import { type CustomerPrincipal, authenticateSession } from "./customers.auth.service";

/** The env of a route behind `requireCustomer()`. */
export type CustomerEnv = AppEnv & { Variables: { customer: CustomerPrincipal } };

/**
 * Requires a customer session (`Authorization: Bearer cst_...`) and sets `c.var.customer`
 * (`{ storeId, customerId, sessionId }`) for storefront routes.
 */
export function requireCustomer(): MiddlewareHandler<CustomerEnv> {
  return async (c, next) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!token) throw new ApiError("unauthenticated", "Send Authorization: Bearer <customer session token>");
    const principal = await authenticateSession(c.var.db, token);
    if (!principal) throw new ApiError("unauthenticated", "The session is invalid, expired or signed out");
    c.set("customer", principal);
    await next();
  };
}

/** A storefront route called with a customer session token. */
export const customerRoute = routeKit({
  kind: "customer",
  security: [{ customerSession: [] }],
  middleware: () => [requireCustomer()] as [MiddlewareHandler<CustomerEnv>],
  errors: [401, 503],
});
