import { and, eq, lt } from "drizzle-orm";
import type { Bindings } from "../../context";
import { createDb } from "../../db/client";
import { cartObject } from "./carts.object";
import { carts } from "./carts.tables";

/**
 * Catch-up for the carts index: a cart object expires itself by its alarm and updates its row; a row
 * still `open` past its `expires_at` is either a cart whose activity pushed the expiry out (the row
 * learns the new expiry) or one whose object could not update it (marked `expired` here).
 */
export async function reconcileCartIndex(env: Pick<Bindings, "DB" | "CART_OBJECT">, now = new Date(), limit = 100): Promise<{ expired: number; extended: number }> {
  const db = createDb(env.DB);
  const nowIso = now.toISOString();
  const due = await db
    .select({ id: carts.id, storeId: carts.storeId })
    .from(carts)
    .where(and(eq(carts.state, "open"), lt(carts.expiresAt, nowIso)))
    .limit(limit);
  let expired = 0;
  let extended = 0;
  for (const row of due) {
    const state = await cartObject(env, row.id).read({ kind: "store", storeId: row.storeId });
    if (state && Date.parse(state.expiresAt) > now.getTime()) {
      await db.update(carts).set({ expiresAt: state.expiresAt }).where(eq(carts.id, row.id));
      extended += 1;
    } else {
      await db.update(carts).set({ state: "expired", updatedAt: nowIso }).where(and(eq(carts.id, row.id), eq(carts.state, "open")));
      expired += 1;
    }
  }
  return { expired, extended };
}
