import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { routeKit } from "../../shared/openapi";
import { authenticateSession } from "../customers";
import { type StoreEnv, authenticate, requireStore } from "../stores";

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1] ?? null;

/**
 * The shop's own loyalty actions (grants): an API key; a valid customer session is 403 (a customer
 * may not grant itself stamps or vouchers), anything else 401.
 */
function requireShop(): MiddlewareHandler<StoreEnv> {
  const store = requireStore();
  return async (c, next) => {
    const token = bearer(c.req.header("Authorization"));
    if (token?.startsWith("cst_") && (await authenticateSession(c.var.db, token))) throw new ApiError("forbidden", "Only the shop (an API key) can grant stamps and vouchers");
    return store(c, next);
  };
}

export const shopRoute = routeKit({
  kind: "store",
  security: [{ apiKey: [] }],
  middleware: () => [requireShop()] as [MiddlewareHandler<StoreEnv>],
  errors: [401, 403, 503],
});

export type Member = { kind: "store"; storeId: string } | { kind: "customer"; storeId: string; customerId: string };
export type MemberEnv = AppEnv & { Variables: { member: Member } };

/** A store credential (any customer of the store) or a customer session (that customer only). */
function requireMember(): MiddlewareHandler<MemberEnv> {
  return async (c, next) => {
    const token = bearer(c.req.header("Authorization"));
    if (!token) throw new ApiError("unauthenticated", "Send an API key or a customer session");
    if (token.startsWith("cst_")) {
      const session = await authenticateSession(c.var.db, token);
      if (!session) throw new ApiError("unauthenticated", "The session is invalid, expired or signed out");
      c.set("member", { kind: "customer", storeId: session.storeId, customerId: session.customerId });
    } else {
      const principal = await authenticate(c.var.db, token);
      if (!principal) throw new ApiError("unauthenticated", "The credential is invalid, expired or revoked");
      c.set("member", { kind: "store", storeId: principal.storeId });
    }
    await next();
  };
}

export const memberRoute = routeKit({
  kind: "member",
  security: [{ apiKey: [] }, { customerSession: [] }],
  middleware: () => [requireMember()] as [MiddlewareHandler<MemberEnv>],
  errors: [401, 503],
});
