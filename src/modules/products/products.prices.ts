import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { products } from "./products.tables";

export interface ProductPrice {
  id: string;
  title: string;
  price_cents: number;
  currency: string;
}

/** Title and price of a store's live products, in one query for up to any number of ids (json_each, two bound parameters). */
export async function getProductPrices(db: Db, storeId: string, ids: readonly string[]): Promise<Map<string, ProductPrice>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: products.id, title: products.title, price_cents: products.priceCents, currency: products.currency })
    .from(products)
    .where(and(eq(products.storeId, storeId), isNull(products.deletedAt), sql`${products.id} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(ids)])}))`));
  return new Map(rows.map((row) => [row.id, row]));
}
