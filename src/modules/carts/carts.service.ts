import { and, eq, isNull } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { stores } from "../../db/schema";
import { randomBase62, sha256Hex } from "../../shared/crypto";
import { isUniqueViolation } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import { getProductsByIds } from "../products";
import type { CartOutcome } from "./carts.commands";
import { cartObject } from "./carts.object";
import type { CartSettings, CartState, ProductSnapshot } from "./carts.state";
import { carts } from "./carts.tables";

/** Lines and settings are re-read from D1 when a read finds them older than this. */
export const REFRESH_AFTER_MS = 5_000;

/** Who calls a cart route: a store credential, a signed-in customer, an anonymous cart's token, or nobody (create only). */
export type CartCaller =
  | { kind: "store"; storeId: string; credentialId: string }
  | { kind: "customer"; storeId: string; customerId: string }
  | { kind: "token"; cartId: string; tokenHash: string }
  | { kind: "anonymous" };

const notFound = () => new ApiError("not_found", "No such cart");

/** `ct_<cart id without prefix>.<32 random base62>`: names its cart, so no lookup is needed to find it. */
export function newCartToken(cartId: string): string {
  return `ct_${cartId.slice("cart_".length)}.${randomBase62(32)}`;
}

export async function parseCartToken(token: string): Promise<{ cartId: string; tokenHash: string } | null> {
  const match = /^ct_([0-9A-Za-z]{22})\.([0-9A-Za-z]{32})$/.exec(token);
  return match ? { cartId: `cart_${match[1]}`, tokenHash: await sha256Hex(token) } : null;
}

/** The store's cart settings and currency; null for an unknown or deleted store. */
export async function storeCartSettings(db: Db, storeId: string): Promise<{ currency: string; settings: CartSettings; requireConfirmation: boolean } | null> {
  const [row] = await db.select().from(stores).where(and(eq(stores.id, storeId), isNull(stores.deletedAt))).limit(1);
  if (!row) return null;
  return {
    currency: row.currency,
    requireConfirmation: row.requireEmailConfirmation,
    settings: {
      taxRateBps: row.taxRateBps,
      shippingFlatCents: row.shippingFlatCents,
      freeShippingOverCents: row.freeShippingOverCents,
      maxItemQuantity: row.maxItemQuantity,
      expirySeconds: row.cartExpirySeconds,
    },
  };
}

/** The catalog's view of these products now: absent or deleted ones come back as not live. */
export async function productSnapshots(db: Db, storeId: string, ids: string[]): Promise<ProductSnapshot[]> {
  const rows = await getProductsByIds(db, storeId, ids);
  const found = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const row = found.get(id);
    return row
      ? { id, title: row.title, priceCents: row.priceCents, currency: row.currency, inventory: row.inventory, live: true }
      : { id, title: "", priceCents: 0, currency: "", inventory: 0, live: false };
  });
}

/** An object's answer as the API's: the state, or the refusal as an ApiError. */
export function unwrap(outcome: CartOutcome): CartState {
  if (outcome.ok) return outcome.state;
  if (outcome.code === "stale_version") throw staleVersion(outcome.currentVersion ?? 0);
  throw new ApiError(outcome.code, outcome.message, outcome.errors ? { errors: outcome.errors } : {});
}

/**
 * Opens a cart: the object first (so an index row never points at nothing), then one D1 batch that
 * marks the customer's previous open cart `replaced` and inserts this one (a partial unique index
 * keeps one open cart per customer; a concurrent open retries once and replaces the other).
 */
export async function openCart(
  db: Db,
  env: Pick<Bindings, "CART_OBJECT">,
  input: { storeId: string; customerId: string | null; email: string | null; currency: string; settings: CartSettings },
): Promise<{ state: CartState; token: string | null }> {
  const id = newId("cart");
  const now = nowIso();
  const token = input.customerId === null ? newCartToken(id) : null;
  const state: CartState = {
    id,
    storeId: input.storeId,
    customerId: input.customerId,
    tokenHash: token ? await sha256Hex(token) : null,
    currency: input.currency,
    email: input.customerId === null ? input.email : null,
    status: "open",
    version: 1,
    lines: [],
    discounts: [],
    addresses: [],
    paymentMethods: [],
    selectedAddressId: null,
    selectedPaymentMethodId: null,
    settings: input.settings,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(Date.parse(now) + input.settings.expirySeconds * 1000).toISOString(),
    refreshedAt: Date.parse(now),
  };
  await cartObject(env, id).init(state);
  const index = { id, storeId: input.storeId, customerId: input.customerId, state: "open" as const, createdAt: now, updatedAt: now, expiresAt: state.expiresAt };
  let replaced: Array<{ id: string }> = [];
  for (let attempt = 0; ; attempt++) {
    try {
      const statements = input.customerId
        ? ([
            db
              .update(carts)
              .set({ state: "replaced", updatedAt: now })
              .where(and(eq(carts.storeId, input.storeId), eq(carts.customerId, input.customerId), eq(carts.state, "open")))
              .returning({ id: carts.id }),
            db.insert(carts).values(index),
          ] as const)
        : ([db.insert(carts).values(index)] as const);
      const results = await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
      if (input.customerId) replaced = results[0] as Array<{ id: string }>;
      break;
    } catch (error) {
      if (attempt > 0 || !isUniqueViolation(error, "carts")) throw error;
    }
  }
  await Promise.all(replaced.map((r) => cartObject(env, r.id).close("replaced")));
  return { state, token };
}

/** The cart if the caller may see it; 404 alike for another store's, another customer's or another cart's token. */
export async function accessibleCart(env: Pick<Bindings, "CART_OBJECT">, caller: CartCaller, cartId: string): Promise<CartState> {
  if (caller.kind === "anonymous") throw new ApiError("unauthenticated", "Send a store credential, a customer session or the cart's token");
  if (caller.kind === "token" && caller.cartId !== cartId) throw notFound();
  const stub = cartObject(env, cartId);
  const state = await stub.read();
  if (!state) throw notFound();
  if (caller.kind === "store" && state.storeId !== caller.storeId) throw notFound();
  if (caller.kind === "customer" && (state.storeId !== caller.storeId || state.customerId !== caller.customerId)) throw notFound();
  if (caller.kind === "token" && !(await stub.tokenMatches(caller.tokenHash))) throw notFound();
  return state;
}

/** A read: refreshes lines and settings from D1 when they are older than REFRESH_AFTER_MS. */
export async function readCart(db: Db, env: Pick<Bindings, "CART_OBJECT">, caller: CartCaller, cartId: string): Promise<CartState> {
  const state = await accessibleCart(env, caller, cartId);
  if (Date.now() - state.refreshedAt < REFRESH_AFTER_MS) return state;
  const [products, store] = await Promise.all([productSnapshots(db, state.storeId, state.lines.map((l) => l.productId)), storeCartSettings(db, state.storeId)]);
  if (!store) throw notFound();
  return unwrap(await cartObject(env, cartId).refresh(products, store.settings));
}

/** Marks the D1 index row of a cart (merged into another). */
export async function markIndex(db: Db, cartId: string, state: "merged"): Promise<void> {
  await db.update(carts).set({ state, updatedAt: nowIso() }).where(and(eq(carts.id, cartId), eq(carts.state, "open")));
}

