import { type SQL, and, eq, isNull, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import { ROTATION_OVERLAP_MS, assertDeliverableUrl, newWebhookSecret, sealSecret } from "../webhooks";
import { type BrandRow, brands } from "./campaigns.tables";

export const brandNotFound = () => new ApiError("not_found", "No such brand in this store");

export function presentBrand(row: BrandRow) {
  return { id: row.id, name: row.name, realizer_url: row.realizerUrl, verify_email: row.verifyEmail, version: row.version, created_at: row.createdAt, updated_at: row.updatedAt };
}

export const liveBrand = (storeId: string, id: string): SQL => and(eq(brands.id, id), eq(brands.storeId, storeId), isNull(brands.deletedAt))!;

export async function getBrand(db: Db, storeId: string, id: string): Promise<BrandRow> {
  const [row] = await db.select().from(brands).where(liveBrand(storeId, id)).limit(1);
  if (!row) throw brandNotFound();
  return row;
}

export async function createBrand(db: Db, env: Bindings, storeId: string, input: { name: string; realizer_url: string; verify_email?: boolean | undefined }) {
  assertDeliverableUrl(env, input.realizer_url, "realizer_url");
  const secret = newWebhookSecret();
  const now = nowIso();
  const row: BrandRow = {
    id: newId("brand"),
    storeId,
    name: input.name,
    realizerUrl: input.realizer_url,
    secretCiphertext: await sealSecret(env, secret),
    previousSecretCiphertext: null,
    previousSecretExpiresAt: null,
    verifyEmail: input.verify_email ?? false,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await db.insert(brands).values(row);
  return { row, secret };
}

export async function listBrands(db: Db, secret: SecretSource, storeId: string, page: { limit: number; cursor?: string | undefined }) {
  const keyset = await paginate(secret, `brands:${storeId}`, page, brands);
  const rows = await db
    .select()
    .from(brands)
    .where(and(eq(brands.storeId, storeId), isNull(brands.deletedAt), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, presentBrand);
}

export async function updateBrand(
  db: Db,
  env: Bindings,
  storeId: string,
  id: string,
  expected: number,
  input: { name?: string | undefined; realizer_url?: string | undefined; verify_email?: boolean | undefined },
) {
  if (input.realizer_url !== undefined) assertDeliverableUrl(env, input.realizer_url, "realizer_url");
  const patch: Partial<BrandRow> = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.realizer_url !== undefined) patch.realizerUrl = input.realizer_url;
  if (input.verify_email !== undefined) patch.verifyEmail = input.verify_email;
  const [row] = await db
    .update(brands)
    .set({ ...patch, version: sql`${brands.version} + 1`, updatedAt: nowIso() })
    .where(and(liveBrand(storeId, id), eq(brands.version, expected)))
    .returning();
  if (row) return row;
  throw staleVersion((await getBrand(db, storeId, id)).version);
}

/** Soft delete: its discounts and fans answer 404 from now on; its pending coupons fail at their next attempt. */
export async function deleteBrand(db: Db, storeId: string, id: string) {
  const deleted = await db.update(brands).set({ deletedAt: nowIso() }).where(liveBrand(storeId, id)).returning({ id: brands.id });
  if (deleted.length === 0) throw brandNotFound();
}

/** A new secret; the previous one keeps signing (both signatures are sent) for 24 h. */
export async function rotateBrandSecret(db: Db, env: Bindings, storeId: string, id: string) {
  const current = await getBrand(db, storeId, id);
  const secret = newWebhookSecret();
  const now = Date.now();
  const [row] = await db
    .update(brands)
    .set({
      secretCiphertext: await sealSecret(env, secret),
      previousSecretCiphertext: current.secretCiphertext,
      previousSecretExpiresAt: new Date(now + ROTATION_OVERLAP_MS).toISOString(),
      version: sql`${brands.version} + 1`,
      updatedAt: nowIso(now),
    })
    .where(and(liveBrand(storeId, id), eq(brands.secretCiphertext, current.secretCiphertext)))
    .returning();
  if (!row) throw new ApiError("conflict", "The secret was rotated concurrently; retry");
  return { row, secret };
}
