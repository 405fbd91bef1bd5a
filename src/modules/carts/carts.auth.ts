import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { routeKit } from "../../shared/openapi";
import { authenticateSession } from "../customers";
import { authenticate } from "../stores";
import { type CartCaller, parseCartToken } from "./carts.service";

export type CartEnv = AppEnv & { Variables: { cartCaller: CartCaller } };

/**
 * Resolves who calls a cart route from `Authorization: Bearer`: a store credential (`sk_`/`at_`,
 * any cart of the store), a customer session (`cst_`, the customer's own carts) or a cart token
 * (`ct_`, that cart only). No credential is "anonymous", which only `POST /v1/carts` accepts. A
 * cart token is never a store credential: it is not in the credentials table.
 */
export function requireCartCaller(allowAnonymous = false): MiddlewareHandler<CartEnv> {
  return async (c, next) => {
    const header = c.req.header("Authorization");
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
    if (header !== undefined && !token) throw new ApiError("unauthenticated", "Send Authorization: Bearer <credential>");
    let caller: CartCaller = { kind: "anonymous" };
    if (token?.startsWith("ct_")) {
      const parsed = await parseCartToken(token);
      if (!parsed) throw new ApiError("unauthenticated", "The cart token is malformed");
      caller = { kind: "token", ...parsed };
    } else if (token?.startsWith("cst_")) {
      const session = await authenticateSession(c.var.db, token);
      if (!session) throw new ApiError("unauthenticated", "The session is invalid, expired or signed out");
      caller = { kind: "customer", storeId: session.storeId, customerId: session.customerId };
    } else if (token) {
      const principal = await authenticate(c.var.db, token);
      if (!principal) throw new ApiError("unauthenticated", "The credential is invalid, expired or revoked");
      caller = { kind: "store", storeId: principal.storeId, credentialId: principal.credentialId };
    }
    if (caller.kind === "anonymous" && !allowAnonymous) throw new ApiError("unauthenticated", "Send a store credential, a customer session or the cart's token");
    c.set("cartCaller", caller);
    await next();
  };
}

/** A cart route: a store credential, a customer session or the cart's own token. */
export const cartRoute = routeKit({
  kind: "cart",
  security: [{ apiKey: [] }, { customerSession: [] }, { cartToken: [] }],
  middleware: () => [requireCartCaller()] as [MiddlewareHandler<CartEnv>],
  errors: [401, 404, 503],
});

/** Opening a cart: like `cartRoute`, and also with no credential at all (an anonymous storefront cart). */
export const openCartRoute = routeKit({
  kind: "storefront",
  security: [{ apiKey: [] }, { customerSession: [] }, { cartToken: [] }, {}],
  middleware: () => [requireCartCaller(true)] as [MiddlewareHandler<CartEnv>],
  errors: [401, 404, 503],
});
