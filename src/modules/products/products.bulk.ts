import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowFromJson, rowsJson } from "../../shared/d1-json";
import type { Write } from "../idempotency";
import { batchGuard, batchable, chunkForParams, isBatchGuardFailure, isUniqueViolation } from "../../shared/d1";
import { ApiError, type FieldError } from "../../shared/errors";
import { nowIso } from "../../shared/time";
import type { BulkItemInput, UpdateProductInput } from "./products.schemas";
import { type ProductDraft, duplicateSku, insertStatements, newProductRow, updateStatements } from "./products.service";
import { type ProductRow, products } from "./products.tables";

interface Existing {
  id: string;
  sku: string | null;
  version: number;
}

type Plan =
  | { kind: "create"; index: number; row: ProductDraft }
  | { kind: "update"; index: number; id: string; version: number; input: UpdateProductInput };

/** Reads the live products the items name by id or sku (chunked under the parameter limit). */
async function loadExisting(db: Db, storeId: string, ids: string[], skus: string[]): Promise<Existing[]> {
  const columns = { id: products.id, sku: products.sku, version: products.version };
  const live = and(eq(products.storeId, storeId), isNull(products.deletedAt));
  const queries = [
    ...chunkForParams(ids, 1, 98).map((chunk) => db.select(columns).from(products).where(and(live, inArray(products.id, chunk)))),
    ...chunkForParams(skus, 1, 98).map((chunk) => db.select(columns).from(products).where(and(live, inArray(products.sku, chunk)))),
  ];
  const [first, ...rest] = queries;
  if (!first) return [];
  return (await db.batch([first, ...rest])).flat();
}

function fail(status: "validation_failed" | "not_found" | "duplicate", errors: FieldError[]): never {
  const detail =
    status === "validation_failed"
      ? "One or more products are invalid; nothing was saved"
      : status === "not_found"
        ? "One or more products do not exist; nothing was saved"
        : "One or more skus are already used; nothing was saved";
  throw new ApiError(status, detail, { errors });
}

function plan(storeId: string, storeCurrency: string, items: readonly BulkItemInput[], existing: Existing[], now: string): Plan[] {
  const byId = new Map(existing.map((row) => [row.id, row]));
  const bySku = new Map(existing.filter((row) => row.sku !== null).map((row) => [row.sku!, row]));
  const invalid: FieldError[] = [];
  const missing: FieldError[] = [];
  const taken: FieldError[] = [];
  const seenIds = new Map<string, number>();
  const seenSkus = new Map<string, number>();
  const plans: Plan[] = [];

  items.forEach((item, index) => {
    const at = (field: string) => `products[${index}].${field}`;
    const target = item.id !== undefined ? byId.get(item.id) : item.sku ? bySku.get(item.sku) : undefined;
    const targetId = target?.id ?? item.id;
    if (targetId !== undefined) {
      if (seenIds.has(targetId)) invalid.push({ path: at(item.id !== undefined ? "id" : "sku"), message: `Names the same product as products[${seenIds.get(targetId)}]` });
      seenIds.set(targetId, index);
    }
    if (item.sku) {
      if (seenSkus.has(item.sku)) invalid.push({ path: at("sku"), message: `Repeats the sku of products[${seenSkus.get(item.sku)}]` });
      seenSkus.set(item.sku, index);
    }
    if (item.id !== undefined && !target) {
      missing.push({ path: at("id"), message: "No live product of this store has this id" });
      return;
    }
    if (target) {
      if (item.inventory !== undefined) {
        invalid.push({ path: at("inventory"), message: "Only when creating; change stock with POST /v1/products/{id}/inventory" });
      }
      const owner = item.sku ? bySku.get(item.sku) : undefined;
      if (owner && owner.id !== target.id) taken.push({ path: at("sku"), message: "Already used by another product" });
      const { id: _id, inventory: _inventory, ...input } = item;
      if (Object.keys(input).length === 0) invalid.push({ path: `products[${index}]`, message: "Send at least one field to change" });
      plans.push({ kind: "update", index, id: target.id, version: target.version, input });
      return;
    }
    if (item.title === undefined) invalid.push({ path: at("title"), message: "Required to create a product" });
    if (item.price_cents === undefined) invalid.push({ path: at("price_cents"), message: "Required to create a product" });
    if (item.title !== undefined && item.price_cents !== undefined) {
      const { id: _id, ...input } = item;
      plans.push({ kind: "create", index, row: newProductRow(storeId, storeCurrency, { ...input, title: item.title, price_cents: item.price_cents }, now) });
    }
  });

  if (invalid.length > 0) fail("validation_failed", invalid);
  if (missing.length > 0) fail("not_found", missing);
  if (taken.length > 0) fail("duplicate", taken);
  return plans;
}

/**
 * Creates and updates up to 100 products in one D1 batch, all or nothing. Items are matched by `id`,
 * else by `sku` (an import keyed by sku is repeatable), else created. Updates are pinned to the
 * versions read while planning: if any of those products changes or disappears before the batch runs,
 * a guard statement aborts the whole batch (409 `conflict`, safe to retry).
 */
export async function bulkUpsertProducts(db: Db, storeId: string, storeCurrency: string, items: readonly BulkItemInput[]) {
  const now = nowIso();
  const ids = items.flatMap((item) => (item.id !== undefined ? [item.id] : []));
  const skus = items.flatMap((item) => (item.sku ? [item.sku] : []));
  const plans = plan(storeId, storeCurrency, items, await loadExisting(db, storeId, ids, skus), now);

  const creates = plans.filter((p) => p.kind === "create");
  const updates = plans.filter((p) => p.kind === "update");
  // One guard for every pinned version, whatever the batch size: the (id, version) pairs travel as one
  // bound JSON array, so neither D1's 100 parameters nor SQLite's expression depth of 100 limits it.
  const pinned = JSON.stringify(updates.map((u) => [u.id, u.version]));
  const allUnchanged = sql`(SELECT count(*) FROM products p JOIN json_each(${pinned}) j
    ON p.id = json_extract(j.value, '$[0]') AND p.version = json_extract(j.value, '$[1]')
    WHERE p.store_id = ${storeId} AND p.deleted_at IS NULL) = ${updates.length}`;
  const guards = updates.length > 0 ? [batchable(db.$client, db.run(batchGuard(allUnchanged)))] : [];
  const createStatements = insertStatements(db, creates.map((c) => c.row), now);
  const updateParts = updates.map((u) => updateStatements(db, storeId, u.id, u.input, u.version, now));
  const statements = [
    ...guards,
    ...createStatements,
    ...updateParts.flatMap((part) => [...part.tagStatements, part.update]),
  ];

  const updatedIds = updates.map((u) => u.id);
  const outline: BulkOutline = {
    items: plans
      .slice()
      .sort((a, b) => a.index - b.index)
      .map((p) => (p.kind === "create" ? { created: p.row } : { updated: p.id })),
    created: creates.length,
    updated: updates.length,
  };
  return {
    statements,
    result: outline,
    // The updated rows as the batch left them (their new version and tags), for the response.
    snapshot: updatedIds.length > 0 ? rowsJson(products, sql`id IN (SELECT value FROM json_each(${JSON.stringify(updatedIds)}))`) : undefined,
    refused: (err) => {
      if (isUniqueViolation(err, "products.sku")) return duplicateSku("products");
      if (isBatchGuardFailure(err)) return new ApiError("conflict", "A product changed while the request ran; nothing was saved, retry it");
      return undefined;
    },
  } satisfies Write<BulkOutline>;
}

export interface BulkOutline {
  items: Array<{ created: ProductDraft } | { updated: string }>;
  created: number;
  updated: number;
}

/** The bulk result in request order: created rows as planned, updated rows as the batch left them. */
export function bulkRows(outline: BulkOutline, snapshot: unknown): ProductDraft[] {
  const updated = new Map(((snapshot as Record<string, unknown>[] | null) ?? []).map((json) => {
    const row = rowFromJson(products, json);
    return [row.id, row] as const;
  }));
  return outline.items.map((item) => ("created" in item ? item.created : updated.get(item.updated)!));
}
