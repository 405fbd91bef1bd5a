import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { batchGuard, batchable, isBatchGuardFailure } from "../../shared/d1";
import { rowFromJson, rowJson } from "../../shared/d1-json";
import type { Write } from "../idempotency";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { type Page, paginate } from "../../shared/pagination";
import type { SecretSource } from "../../shared/keys";
import { nowIso } from "../../shared/time";
import { MAX_INVENTORY } from "./products.schemas";
import { getProduct, liveProduct, notFound } from "./products.service";
import { type InventoryLedgerRow, inventoryLedger, products } from "./products.tables";

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
 * same condition (live product, result between 0 and MAX_INVENTORY) and run in one batch, which D1 executes as
 * one transaction with nothing interleaved: both apply or neither does, and concurrent adjustments
 * serialize without losing an update. A refused decrement is 409 `insufficient_inventory`; an
 * increment past MAX_INVENTORY is 422 `business_rule_violation`.
 */
export function changeInventory(
  db: Db,
  storeId: string,
  productId: string,
  change: InventoryChangeInput,
  reason: string | null = null,
): Write<{ entryId: string }> {
  const now = nowIso();
  const entryId = newId("ilg");
  const live = liveProduct(storeId, productId);
  const isAdjust = change.adjust !== undefined;
  const newQuantity = isAdjust ? sql`${products.inventory} + ${change.adjust}` : sql`${change.set}`;
  const applies = isAdjust
    ? and(live, sql`${products.inventory} + ${change.adjust} BETWEEN 0 AND ${MAX_INVENTORY}`)!
    : live;
  const kind = isAdjust ? "adjust" : "set";
  return {
    statements: [
      batchable(db.$client, db.run(sql`INSERT INTO inventory_ledger (id, store_id, product_id, kind, delta, quantity_after, reason, created_at)
               SELECT ${entryId}, store_id, id, ${kind}, ${newQuantity} - inventory, ${newQuantity}, ${reason}, ${now}
               FROM products WHERE ${applies}`)),
      db.update(products).set({ inventory: newQuantity, updatedAt: now }).where(applies),
      // A refused change (unknown product, stock below zero) must abort the batch, not commit nothing.
      batchable(db.$client, db.run(batchGuard(sql`changes() = 1`))),
    ],
    events: [
      {
        type: "product.inventory_changed",
        resource_type: "product",
        resource_id: productId,
        data: { product_id: productId, ledger_entry_id: entryId, kind, ...(isAdjust ? { adjust: change.adjust } : { set: change.set }), reason },
      },
    ],
    result: { entryId },
    snapshot: sql`json_object('product', json(${rowJson(products, live)}), 'entry', json(${rowJson(inventoryLedger, eq(inventoryLedger.id, entryId))}))`,
    refused: async (err) => {
      if (!isBatchGuardFailure(err)) return undefined;
      const current = await getProduct(db, storeId, productId);
      if (isAdjust && current.inventory + change.adjust > MAX_INVENTORY) {
        return new ApiError("business_rule_violation", `Stock may not exceed ${MAX_INVENTORY}; it is ${current.inventory}`, {
          extra: { inventory: current.inventory, max_inventory: MAX_INVENTORY },
        });
      }
      return new ApiError("insufficient_inventory", `Only ${current.inventory} in stock`, { extra: { inventory: current.inventory } });
    },
  };
}

/** The product and ledger entry an inventory change left (from its batch snapshot). */
export type InventorySnapshot = { product: Record<string, unknown>; entry: Record<string, unknown> };

export function inventoryOutcome(snapshot: InventorySnapshot) {
  return { product: rowFromJson(products, snapshot.product), entry: rowFromJson(inventoryLedger, snapshot.entry) };
}

/** The product's ledger, newest first. */
export async function listInventoryLedger(
  db: Db,
  storeId: string,
  productId: string,
  page: { limit: number; cursor?: string | undefined },
  signingSecret: SecretSource,
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
