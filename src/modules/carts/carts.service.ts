import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { products, stores } from "../../db/schema";
import { randomBase62, sha256Hex } from "../../shared/crypto";
import { isUniqueViolation } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import { getProductsByIds } from "../products";
import type { CartOutcome } from "./carts.commands";
import { type CartAccess, cartObject } from "./carts.object";
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

/**
 * The catalog's view of these products now: absent or deleted ones come back as not live. With a
 * null store (a cart-token caller, whose store only the object knows) every store's products are
 * read and the object refuses those of another store.
 */
export async function productSnapshots(db: Db, storeId: string | null, ids: string[]): Promise<ProductSnapshot[]> {
  const rows = storeId ? await getProductsByIds(db, storeId, ids) : await liveProductsByIds(db, ids);
  const found = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const row = found.get(id);
    return row
      ? { id, storeId: row.storeId, title: row.title, priceCents: row.priceCents, currency: row.currency, inventory: row.inventory, live: true }
      : { id, storeId: "", title: "", priceCents: 0, currency: "", inventory: 0, live: false };
  });
}

/** Adds read products through a per-isolate cache this fresh: the same window a cart's read allows. */
export const PRODUCT_CACHE_MS = REFRESH_AFTER_MS;
const PRODUCT_CACHE_MAX = 2_000;
const productCache = new Map<string, { at: number; snapshot: ProductSnapshot }>();

/**
 * `productSnapshots` for adds: a product added again within a few seconds (a popular product during
 * a sale) is not read from D1 again. Price and stock may be up to PRODUCT_CACHE_MS old on add, as
 * on a cart read; checkout re-reads the catalog and reserves stock atomically, so nothing is sold on
 * a stale figure. Profiled: the D1 read was about 0.6 ms of a 3.0 ms add (docs/capacity.md).
 */
export async function productSnapshotsForAdd(db: Db, storeId: string | null, ids: string[], now = Date.now()): Promise<ProductSnapshot[]> {
  const key = (id: string) => `${storeId ?? "*"}\u0000${id}`;
  const missing = ids.filter((id) => {
    const hit = productCache.get(key(id));
    return !hit || now - hit.at > PRODUCT_CACHE_MS;
  });
  if (missing.length > 0) {
    for (const snapshot of await productSnapshots(db, storeId, missing)) {
      if (productCache.size >= PRODUCT_CACHE_MAX) productCache.delete(productCache.keys().next().value!);
      productCache.set(key(snapshot.id), { at: now, snapshot });
    }
  }
  return ids.map((id) => productCache.get(key(id))!.snapshot);
}

async function liveProductsByIds(db: Db, ids: string[]) {
  const unique = [...new Set(ids)].slice(0, 100);
  return db.select().from(products).where(and(inArray(products.id, unique), isNull(products.deletedAt)));
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
  await Promise.all(replaced.map((r) => cartObject(env, r.id).close({ kind: "store", storeId: input.storeId }, "replaced")));
  return { state, token };
}

/** The object-side access of a caller; anonymous is 401, a token naming another cart 404. */
export function cartAccess(caller: CartCaller, cartId: string): CartAccess {
  if (caller.kind === "anonymous") throw new ApiError("unauthenticated", "Send a store credential, a customer session or the cart's token");
  if (caller.kind === "token") {
    if (caller.cartId !== cartId) throw notFound();
    return { kind: "token", tokenHash: caller.tokenHash };
  }
  return caller.kind === "store" ? { kind: "store", storeId: caller.storeId } : { kind: "customer", storeId: caller.storeId, customerId: caller.customerId };
}

/** The cart if the caller may see it (one RPC; the object checks); 404 alike for every "not yours". */
export async function accessibleCart(env: Pick<Bindings, "CART_OBJECT">, caller: CartCaller, cartId: string): Promise<CartState> {
  const state = await cartObject(env, cartId).read(cartAccess(caller, cartId));
  if (!state) throw notFound();
  return state;
}

/** A read: refreshes lines and settings from D1 when they are older than REFRESH_AFTER_MS. */
export async function readCart(db: Db, env: Pick<Bindings, "CART_OBJECT">, caller: CartCaller, cartId: string): Promise<CartState> {
  const state = await accessibleCart(env, caller, cartId);
  if (Date.now() - state.refreshedAt < REFRESH_AFTER_MS) return state;
  const [products, store] = await Promise.all([productSnapshots(db, state.storeId, state.lines.map((l) => l.productId)), storeCartSettings(db, state.storeId)]);
  if (!store) throw notFound();
  return unwrap(await cartObject(env, cartId).refresh(cartAccess(caller, cartId), products, store.settings));
}

/** Marks the D1 index row of a cart (merged into another). */
export async function markIndex(db: Db, cartId: string, state: "merged"): Promise<void> {
  await db.update(carts).set({ state, updatedAt: nowIso() }).where(and(eq(carts.id, cartId), eq(carts.state, "open")));
}

