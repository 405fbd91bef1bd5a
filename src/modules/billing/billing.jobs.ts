import { and, eq, isNull, lt } from "drizzle-orm";
import type { Bindings } from "../../context";
import { createDb } from "../../db/client";
import { addSeconds } from "../../shared/time";
import { cartObject } from "../carts";
import { checkoutCart } from "./billing.checkout";
import { invoices } from "./billing.tables";

/**
 * Cron: a checkout whose Worker died after its D1 batch (an `open` invoice with no order two minutes
 * later) and whose shopper never retried is resumed to its end here, like a retry would: the charge
 * with the same key (never a second one), then the order, or the compensation on a decline. Stock and
 * stored value are never held by a dead checkout for long.
 */
export async function resumeStalledCheckouts(env: Bindings, now = new Date(), limit = 20): Promise<{ resumed: number }> {
  const db = createDb(env.DB);
  const stalled = await db
    .select({ storeId: invoices.storeId, cartId: invoices.cartId, checkoutId: invoices.checkoutId })
    .from(invoices)
    .where(and(eq(invoices.state, "open"), isNull(invoices.orderId), lt(invoices.createdAt, addSeconds(now.toISOString(), -120))))
    .limit(limit);
  let resumed = 0;
  for (const row of stalled) {
    if (!row.cartId || !row.checkoutId) continue;
    const request = await cartObject(env, row.cartId).stalledCheckout(row.checkoutId);
    if (!request) continue;
    try {
      await checkoutCart(db, env, { kind: "store", storeId: row.storeId, credentialId: "cron" }, row.cartId, request, (p) => void p.catch(() => undefined));
      resumed++;
    } catch (error) {
      console.warn(JSON.stringify({ level: "warn", msg: "stalled checkout not resumed yet", checkout_id: row.checkoutId, error: error instanceof Error ? error.name : "Error" }));
    }
  }
  return { resumed };
}
