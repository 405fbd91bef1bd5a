import { type SQL, and, count, desc, eq, exists, gte, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import { type Db, prepared } from "../../db/client";
import type { Write } from "../idempotency";
import { batchable, chunkForParams, isUniqueViolation } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { type Page, keysetAfterPlaceholders, pagePosition, paginate, toPage } from "../../shared/pagination";
import type { SecretSource } from "../../shared/keys";
import { nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import {
  type CreateProductInput,
  MAX_TAGS_PER_PRODUCT,
  type ProductFilters,
  type UpdateProductInput,
} from "./products.schemas";
import { type NewProductRow, type ProductRow, inventoryLedger, productTags, products } from "./products.tables";

/** A product row as the API sees it (`seq` only serves the search index). */
export type ProductDraft = Omit<ProductRow, "seq">;

export function presentProduct(row: ProductDraft) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    vendor: row.vendor,
    product_type: row.productType,
    sku: row.sku,
    price_cents: row.priceCents,
    currency: row.currency,
    inventory: row.inventory,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export type ProductView = ReturnType<typeof presentProduct>;

/**
 * Orders strings by Unicode code point, which is the order of their UTF-8 bytes and so SQLite's
 * BINARY collation. JavaScript's default sort compares UTF-16 units and puts astral characters
 * (surrogate pairs) before U+E000-U+FFFF, which would disagree with the tag rows' `ORDER BY tag`.
 */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

/** Deduplicated, sorted by code point (as SQL sorts the tag rows): the tag set stored in `products.tags`. */
export function canonicalTags(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort(compareCodePoints);
}

/** The live product `id` of `storeId`; other stores' and deleted products never match. */
export function liveProduct(storeId: string, productId: string): SQL {
  return and(eq(products.id, productId), eq(products.storeId, storeId), isNull(products.deletedAt))!;
}

export function duplicateSku(path = "sku"): ApiError {
  return new ApiError("duplicate", "Another live product of this store has this sku", {
    errors: [{ path, message: "Already used by another product" }],
  });
}

export function notFound(): ApiError {
  return new ApiError("not_found", "Product not found");
}

export function newProductRow(storeId: string, storeCurrency: string, input: CreateProductInput, now: string): ProductDraft {
  return {
    id: newId("prod"),
    storeId,
    title: input.title,
    description: input.description ?? null,
    vendor: input.vendor ?? null,
    productType: input.product_type ?? null,
    sku: input.sku ?? null,
    priceCents: input.price_cents,
    currency: input.currency ?? storeCurrency,
    inventory: input.inventory ?? 0,
    tags: JSON.stringify(canonicalTags(input.tags ?? [])),
    metadata: JSON.stringify(input.metadata ?? {}),
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
}

/** Insert statements (chunked under the parameter limit) for new products, their tags and initial stock. */
export function insertStatements(db: Db, rows: readonly ProductDraft[], now: string) {
  const productValues: NewProductRow[] = [...rows];
  const tagValues = rows.flatMap((row) =>
    (JSON.parse(row.tags) as string[]).map((tag) => ({ storeId: row.storeId, productId: row.id, tag })),
  );
  const ledgerValues = rows
    .filter((row) => row.inventory > 0)
    .map((row) => ({
      id: newId("ilg"),
      storeId: row.storeId,
      productId: row.id,
      kind: "initial" as const,
      delta: row.inventory,
      quantityAfter: row.inventory,
      reason: null,
      createdAt: now,
    }));
  const productColumns = Object.keys(rows[0] ?? { id: 1 }).length;
  return [
    ...chunkForParams(productValues, productColumns).map((chunk) => db.insert(products).values(chunk)),
    ...chunkForParams(tagValues, 3).map((chunk) => db.insert(productTags).values(chunk)),
    ...chunkForParams(ledgerValues, 8).map((chunk) => db.insert(inventoryLedger).values(chunk)),
  ];
}

/** Creates a product with its tags and (when stock is given) its first ledger entry, atomically. */
export function createProduct(db: Db, storeId: string, storeCurrency: string, input: CreateProductInput): Write<ProductDraft> {
  const now = nowIso();
  const row = newProductRow(storeId, storeCurrency, input, now);
  return {
    statements: insertStatements(db, [row], now),
    events: [{ type: "product.created", resource_type: "product", resource_id: row.id, resource_version: row.version, data: { product: presentProduct(row) } }],
    result: row,
    refused: (err) => (isUniqueViolation(err, "products.sku") ? duplicateSku() : undefined),
  };
}

const productById = (db: Db) =>
  db
    .select()
    .from(products)
    .where(and(eq(products.id, sql.placeholder("id")), eq(products.storeId, sql.placeholder("store")), isNull(products.deletedAt)))
    .limit(1)
    .prepare();

export async function getProduct(db: Db, storeId: string, productId: string): Promise<ProductRow> {
  const [row] = await prepared(db, "products.byId", productById).all({ id: productId, store: storeId });
  if (!row) throw notFound();
  return row;
}

/** Live products of the store among `ids` (for other modules, e.g. pricing an order). */
export async function getProductsByIds(db: Db, storeId: string, ids: readonly string[]): Promise<ProductRow[]> {
  const out: ProductRow[] = [];
  for (const chunk of chunkForParams([...new Set(ids)], 1, 98)) {
    out.push(
      ...(await db
        .select()
        .from(products)
        .where(and(eq(products.storeId, storeId), isNull(products.deletedAt), inArray(products.id, chunk)))),
    );
  }
  return out;
}

function productPatch(input: UpdateProductInput): Partial<ProductRow> {
  const patch: Partial<ProductRow> = {};
  if (input.title !== undefined) patch.title = input.title;
  if (input.description !== undefined) patch.description = input.description;
  if (input.vendor !== undefined) patch.vendor = input.vendor;
  if (input.product_type !== undefined) patch.productType = input.product_type;
  if (input.sku !== undefined) patch.sku = input.sku;
  if (input.price_cents !== undefined) patch.priceCents = input.price_cents;
  if (input.currency !== undefined) patch.currency = input.currency;
  if (input.tags !== undefined) patch.tags = JSON.stringify(canonicalTags(input.tags));
  if (input.metadata !== undefined) patch.metadata = JSON.stringify(input.metadata);
  return patch;
}

/**
 * Statements that update one product and, when tags are given, replace its tag rows. Every
 * statement carries the same predicate, so in one batch they all apply or none do.
 */
export function updateStatements(db: Db, storeId: string, productId: string, input: UpdateProductInput, expectedVersion: number | null, now: string) {
  const target = and(liveProduct(storeId, productId), expectedVersion === null ? undefined : eq(products.version, expectedVersion))!;
  const targetExists = exists(db.select({ one: sql`1` }).from(products).where(target));
  const patch = productPatch(input);
  const tagStatements =
    input.tags === undefined
      ? []
      : [
          db.delete(productTags).where(and(eq(productTags.productId, productId), eq(productTags.storeId, storeId), targetExists)),
          batchable(
            db.$client,
            db.run(
              sql`INSERT INTO product_tags (store_id, product_id, tag) SELECT ${storeId}, ${productId}, value FROM json_each(${patch.tags}) WHERE ${targetExists}`,
            ),
          ),
        ];
  const update = db
    .update(products)
    .set({ ...patch, version: sql`${products.version} + 1`, updatedAt: now })
    .where(target)
    .returning();
  return { tagStatements, update };
}

/** Partial update; `expectedVersion` (from If-Match) is checked when given. Tags replace the set. */
export async function updateProduct(
  db: Db,
  storeId: string,
  productId: string,
  input: UpdateProductInput,
  expectedVersion: number | null,
): Promise<ProductRow> {
  const { tagStatements, update } = updateStatements(db, storeId, productId, input, expectedVersion, nowIso());
  let updated: ProductRow | undefined;
  try {
    const results = await db.batch([...tagStatements, update] as unknown as [typeof update]);
    updated = (results[results.length - 1] as ProductRow[])[0];
  } catch (err) {
    if (isUniqueViolation(err, "products.sku")) throw duplicateSku();
    throw err;
  }
  if (updated) return updated;
  const current = await getProduct(db, storeId, productId);
  throw staleVersion(current.version);
}

/** Soft delete: the row stays for order history and ledger, but disappears from every read. */
export async function deleteProduct(db: Db, storeId: string, productId: string) {
  const now = nowIso();
  const [deleted] = await db
    .update(products)
    .set({ deletedAt: now, updatedAt: now, version: sql`${products.version} + 1` })
    .where(liveProduct(storeId, productId))
    .returning({ id: products.id });
  if (!deleted) throw notFound();
}

function filterConditions(storeId: string, filters: ProductFilters): SQL {
  return and(
    eq(products.storeId, storeId),
    isNull(products.deletedAt),
    filters.vendor !== undefined ? sql`${products.vendor} = ${filters.vendor} COLLATE NOCASE` : undefined,
    filters.product_type !== undefined ? sql`${products.productType} = ${filters.product_type} COLLATE NOCASE` : undefined,
    filters.min_price_cents !== undefined ? gte(products.priceCents, filters.min_price_cents) : undefined,
    filters.max_price_cents !== undefined ? lte(products.priceCents, filters.max_price_cents) : undefined,
    filters.created_after !== undefined ? gte(products.createdAt, filters.created_after) : undefined,
    filters.created_before !== undefined ? lt(products.createdAt, filters.created_before) : undefined,
    filters.updated_after !== undefined ? gte(products.updatedAt, filters.updated_after) : undefined,
    filters.tag !== undefined
      ? sql`EXISTS (SELECT 1 FROM product_tags t WHERE t.store_id = ${storeId} AND t.tag = ${filters.tag} AND t.product_id = ${products.id})`
      : undefined,
  )!;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listProducts(
  db: Db,
  storeId: string,
  query: ProductFilters & { limit: number; cursor?: string | undefined },
  signingSecret: SecretSource,
): Promise<Page<ProductView>> {
  const scope = `products:${storeId}`;
  if (!hasFilters(query)) {
    // The storefront's most common read: a prepared statement per shape (first page, later pages).
    const position = await pagePosition(signingSecret, scope, query.cursor);
    const rows = position
      ? await prepared(db, "products.list.after", listAfter).all({ store: storeId, limit: query.limit + 1, ...position })
      : await prepared(db, "products.list.first", listFirst).all({ store: storeId, limit: query.limit + 1 });
    return toPage(rows, query.limit, signingSecret, scope, (r) => [r.createdAt, r.id], presentProduct);
  }
  const keyset = await paginate(signingSecret, scope, query, products);
  const rows = await db
    .select()
    .from(products)
    .where(and(filterConditions(storeId, query), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, presentProduct);
}

// Every filter, checked by the compiler: a new filter that is missing here fails to type-check
// instead of being silently ignored by the prepared fast path.
const FILTER_KEYS = Object.keys({
  vendor: true,
  product_type: true,
  min_price_cents: true,
  max_price_cents: true,
  created_after: true,
  created_before: true,
  updated_after: true,
  tag: true,
} satisfies Record<keyof ProductFilters, true>) as Array<keyof ProductFilters>;

function hasFilters(filters: ProductFilters): boolean {
  return FILTER_KEYS.some((key) => filters[key] !== undefined);
}

const liveInStore = () => and(eq(products.storeId, sql.placeholder("store")), isNull(products.deletedAt));
const newestFirst = [desc(products.createdAt), desc(products.id)] as const;
const listFirst = (db: Db) => db.select().from(products).where(liveInStore()).orderBy(...newestFirst).limit(sql.placeholder("limit")).prepare();
const listAfter = (db: Db) =>
  db.select().from(products).where(and(liveInStore(), keysetAfterPlaceholders(products))).orderBy(...newestFirst).limit(sql.placeholder("limit")).prepare();

export async function countProducts(db: Db, storeId: string, filters: ProductFilters): Promise<number> {
  const [row] = await db.select({ n: count() }).from(products).where(filterConditions(storeId, filters));
  return row?.n ?? 0;
}

/** `products.tags` recomputed from the tag rows, in the same order as `canonicalTags`. */
const tagsFromRows = sql`(SELECT json_group_array(tag) FROM (SELECT tag FROM product_tags WHERE product_id = ${products.id} ORDER BY tag))`;

/**
 * Runs one tag mutation and re-derives `products.tags` in the same batch; the product's version
 * only moves when its tag set actually changed. Returns the product as it is afterwards.
 */
async function mutateTags(db: Db, storeId: string, productId: string, mutation: SQL): Promise<ProductRow> {
  const now = nowIso();
  const live = liveProduct(storeId, productId);
  const [, , rows] = await db.batch([
    batchable(db.$client, db.run(mutation)),
    db
      .update(products)
      .set({ tags: tagsFromRows, version: sql`${products.version} + 1`, updatedAt: now })
      .where(and(live, sql`${products.tags} <> ${tagsFromRows}`)),
    db.select().from(products).where(live).limit(1),
  ]);
  const row = rows[0];
  if (!row) throw notFound();
  return row;
}

const liveProductExists = (storeId: string, productId: string) =>
  sql`EXISTS (SELECT 1 FROM products WHERE id = ${productId} AND store_id = ${storeId} AND deleted_at IS NULL)`;

/** Adds one tag (idempotent). At most 50 tags per product: the 51st is a 409. */
export async function addTag(db: Db, storeId: string, productId: string, tag: string): Promise<ProductRow> {
  const row = await mutateTags(
    db,
    storeId,
    productId,
    sql`INSERT OR IGNORE INTO product_tags (store_id, product_id, tag)
        SELECT ${storeId}, ${productId}, ${tag}
        WHERE ${liveProductExists(storeId, productId)}
          AND (SELECT count(*) FROM product_tags WHERE product_id = ${productId} AND tag <> ${tag}) < ${MAX_TAGS_PER_PRODUCT}`,
  );
  if (!(JSON.parse(row.tags) as string[]).includes(tag)) {
    throw new ApiError("conflict", `A product has at most ${MAX_TAGS_PER_PRODUCT} tags`);
  }
  return row;
}

export function removeTag(db: Db, storeId: string, productId: string, tag: string): Promise<ProductRow> {
  return mutateTags(
    db,
    storeId,
    productId,
    sql`DELETE FROM product_tags WHERE product_id = ${productId} AND store_id = ${storeId} AND tag = ${tag}
        AND ${liveProductExists(storeId, productId)}`,
  );
}

export function clearTags(db: Db, storeId: string, productId: string): Promise<ProductRow> {
  return mutateTags(
    db,
    storeId,
    productId,
    sql`DELETE FROM product_tags WHERE product_id = ${productId} AND store_id = ${storeId}
        AND ${liveProductExists(storeId, productId)}`,
  );
}
