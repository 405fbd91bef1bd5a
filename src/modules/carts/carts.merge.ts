import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { cartObject } from "./carts.object";
import { markIndex, openCart, parseCartToken, storeCartSettings } from "./carts.service";
import { carts } from "./carts.tables";
import { and, eq } from "drizzle-orm";

/**
 * Login with a `cart_token` (called by the customers module's login route): the anonymous cart's
 * items join the customer's open cart (quantities add, its selections win), or the cart becomes
 * theirs when they have none; either way the anonymous cart is closed and its token stops working.
 * A token that names no open cart of this store is ignored (the login itself still succeeds).
 */
export async function mergeCartOnLogin(db: Db, env: Pick<Bindings, "CART_OBJECT">, storeId: string, customerId: string, token: string): Promise<string | null> {
  const parsed = await parseCartToken(token);
  if (!parsed) return null;
  const anonymous = cartObject(env, parsed.cartId);
  const access = { kind: "token" as const, tokenHash: parsed.tokenHash };
  const state = await anonymous.read(access);
  if (!state || state.storeId !== storeId || state.customerId !== null) return null;
  const [open] = await db
    .select({ id: carts.id })
    .from(carts)
    .where(and(eq(carts.storeId, storeId), eq(carts.customerId, customerId), eq(carts.state, "open")))
    .limit(1);
  let targetId = open?.id;
  if (!targetId) {
    const store = await storeCartSettings(db, storeId);
    if (!store) return null;
    targetId = (await openCart(db, env, { storeId, customerId, email: null, currency: state.currency, settings: store.settings })).state.id;
  }
  const closed = await anonymous.close(access, "merged");
  if (!closed) return null;
  await cartObject(env, targetId).absorb({ kind: "customer", storeId, customerId }, closed);
  await markIndex(db, parsed.cartId, "merged");
  return targetId;
}
