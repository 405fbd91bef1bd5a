import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { batchable } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { type Page, paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import { getProduct, liveProduct, notFound } from "./products.service";
import { type InventoryLedgerRow, type ProductRow, inventoryLedger, products } from "./products.tables";

export type InventoryChangeInput = { adjust: number; set?: undefined } | { set: number; adjust?: undefined };

export function presentLedgerEntry(row: InventoryLedgerRow) {
  return {
    id: row.id,
    product_id: row.productId,
    kind: row.kind,
    delta: row.delta,
    quantity_after: row.quantityAfter,
    reason: row.reason,
    created_at: row.createdAt,
  };
}

/**
 * Changes stock atomically and records it in the ledger. The ledger insert and the update carry the
 * same condition (live product, result not below zero) and run in one batch, which D1 executes as
 * one transaction with nothing interleaved: both apply or neither does, and concurrent adjustments
 * serialize without losing an update. A refused decrement is 409 `insufficient_inventory`.
 */
export async function changeInventory(
  db: Db,
  storeId: string,
  productId: string,
  change: InventoryChangeInput,
  reason: string | null = null,
): Promise<{ product: ProductRow; entry: InventoryLedgerRow }> {
  const now = nowIso();
  const entryId = newId("ilg");
  const live = liveProduct(storeId, productId);
  const isAdjust = change.adjust !== undefined;
  const newQuantity = isAdjust ? sql`${products.inventory} + ${change.adjust}` : sql`${change.set}`;
  const applies = isAdjust ? and(live, sql`${products.inventory} + ${change.adjust} >= 0`)! : live;
  const kind = isAdjust ? "adjust" : "set";

  const [recorded, updated] = await db.batch([
    batchable(db.$client, db.all<{ delta: number }>(sql`INSERT INTO inventory_ledger (id, store_id, product_id, kind, delta, quantity_after, reason, created_at)
               SELECT ${entryId}, store_id, id, ${kind}, ${newQuantity} - inventory, ${newQuantity}, ${reason}, ${now}
               FROM products WHERE ${applies} RETURNING delta`)),
    db.update(products).set({ inventory: newQuantity, updatedAt: now }).where(applies).returning(),
  ]);
  const product = updated[0];
  const delta = recorded[0]?.delta;
  if (!product || delta === undefined) {
    const current = await getProduct(db, storeId, productId);
    throw new ApiError("insufficient_inventory", `Only ${current.inventory} in stock`, {
      extra: { inventory: current.inventory },
    });
  }
  return {
    product,
    entry: {
      id: entryId,
      storeId,
      productId,
      kind,
      delta,
      quantityAfter: product.inventory,
      reason,
      createdAt: now,
    },
  };
}

/** The product's ledger, newest first. */
export async function listInventoryLedger(
  db: Db,
  storeId: string,
  productId: string,
  page: { limit: number; cursor?: string | undefined },
  signingSecret: string,
): Promise<Page<ReturnType<typeof presentLedgerEntry>>> {
  const keyset = await paginate(signingSecret, `inventory_ledger:${storeId}:${productId}`, page, inventoryLedger);
  const [product, rows] = await db.batch([
    db.select({ id: products.id }).from(products).where(liveProduct(storeId, productId)).limit(1),
    db
      .select()
      .from(inventoryLedger)
      .where(and(eq(inventoryLedger.storeId, storeId), eq(inventoryLedger.productId, productId), keyset.where))
      .orderBy(...keyset.orderBy)
      .limit(keyset.limit),
  ]);
  if (product.length === 0) throw notFound();
  return keyset.page(rows, presentLedgerEntry);
}
