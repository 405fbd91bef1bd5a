import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { sha256Hex } from "../../shared/crypto";
import { type Page, decodeCursor, encodeCursor } from "../../shared/pagination";
import type { SecretSource } from "../../shared/keys";
import { type ProductView, presentProduct } from "./products.service";
import type { ProductRow } from "./products.tables";

const MAX_TERMS = 12;
const SEARCHABLE = "{title description vendor product_type tags sku}";
/** bm25 weights in products_fts column order: title, description, vendor, product_type, tags, sku, store_id. */
const WEIGHTS = "10.0, 1.0, 2.0, 2.0, 3.0, 5.0, 0.0";

/**
 * Turns user text into an FTS5 expression without ever passing user syntax through. Each
 * whitespace-separated word is cut into letter/digit runs (what the unicode61 tokenizer indexes),
 * which become one quoted phrase with a prefix star: `red-mu` -> `"red mu"*`. Words are ANDed.
 * Returns null when nothing searchable is left (e.g. `"` or `AND (`).
 */
export function buildMatchQuery(text: string): string | null {
  const phrases: string[] = [];
  for (const word of text.split(/\s+/)) {
    const tokens = word.match(/[\p{L}\p{N}]+/gu);
    if (tokens) phrases.push(`"${tokens.join(" ")}"*`);
    if (phrases.length === MAX_TERMS) break;
  }
  return phrases.length > 0 ? phrases.join(" ") : null;
}

/**
 * The store scope inside the index: store ids are `store_<base62>`, which unicode61 indexes as two
 * tokens; the random one alone selects the store's posting list. The SQL join still checks
 * `store_id` exactly, since case folding could in theory merge two ids.
 */
function storeTerm(storeId: string): string {
  const random = storeId.slice(storeId.indexOf("_") + 1).replace(/[^0-9A-Za-z]/g, "");
  return `store_id : "${random}"`;
}

export interface SearchInput {
  q: string;
  available?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * Ranked full-text search over the store's live products (bm25, title weighted highest, ties by id).
 * Pages use an offset inside a signed cursor bound to the store and the exact query: rank is not a
 * stored key but is recomputed from corpus-wide statistics on every query, so a keyset over it would
 * be no more stable than an offset. Pages are exact while the index is unchanged; a write between
 * pages can shift a result by a position.
 */
export async function searchProducts(db: Db, storeId: string, input: SearchInput, signingSecret: SecretSource): Promise<Page<ProductView>> {
  const scope = `products_search:${storeId}:${await sha256Hex(`${input.available === true}\u0000${input.q}`)}`;
  const offset = input.cursor ? Number((await decodeCursor(signingSecret, scope, input.cursor, ["number"]))[0]) : 0;
  const terms = buildMatchQuery(input.q);
  if (terms === null) return { data: [], next_cursor: null };
  const match = `${storeTerm(storeId)} AND ${SEARCHABLE} : (${terms})`;
  const rows = await db.all<Record<string, unknown>>(sql`
    SELECT p.*
    FROM products_fts JOIN products p ON p.seq = products_fts.rowid
    WHERE products_fts MATCH ${match}
      AND p.store_id = ${storeId} AND p.deleted_at IS NULL
      ${input.available === true ? sql`AND p.inventory > 0` : sql``}
    ORDER BY bm25(products_fts, ${sql.raw(WEIGHTS)}), p.id
    LIMIT ${input.limit + 1} OFFSET ${offset}`);
  const hasMore = rows.length > input.limit;
  const page = rows.slice(0, input.limit).map((raw) => presentProduct(fromRaw(raw)));
  return {
    data: page,
    next_cursor: hasMore ? await encodeCursor(signingSecret, scope, [offset + input.limit]) : null,
  };
}

function fromRaw(raw: Record<string, unknown>): ProductRow {
  return {
    seq: raw.seq as number,
    id: raw.id as string,
    storeId: raw.store_id as string,
    title: raw.title as string,
    description: raw.description as string | null,
    vendor: raw.vendor as string | null,
    productType: raw.product_type as string | null,
    sku: raw.sku as string | null,
    priceCents: raw.price_cents as number,
    currency: raw.currency as string,
    inventory: raw.inventory as number,
    tags: raw.tags as string,
    metadata: raw.metadata as string,
    version: raw.version as number,
    createdAt: raw.created_at as string,
    updatedAt: raw.updated_at as string,
    deletedAt: raw.deleted_at as string | null,
  };
}
