import { type SQL, and, eq, isNull, sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { Db } from "../../db/client";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import { getBrand, liveBrand } from "./campaigns.brands";
import { type CreateDiscountBody, DEFAULT_CODE_LENGTH, DEFAULT_MAX_FANS, type UpdateDiscountBody } from "./campaigns.schemas";
import { type BrandDiscountRow, brandDiscounts, brands } from "./campaigns.tables";

export const discountNotFound = () => new ApiError("not_found", "No such discount for this brand");

/** Why a discount issues no code right now, or null when it does. */
export function discountRefusal(row: BrandDiscountRow, now = nowIso()): ApiError | null {
  if (!row.active) return new ApiError("business_rule_violation", "This discount is not active", { extra: { reason: "discount_inactive" } });
  if (row.startsAt > now) return new ApiError("business_rule_violation", `This discount starts at ${row.startsAt}`, { extra: { reason: "discount_not_started" } });
  if (row.expiresAt <= now) return new ApiError("business_rule_violation", "This discount has expired", { extra: { reason: "discount_expired" } });
  if (row.fanCount >= row.maxFans) return new ApiError("business_rule_violation", "This discount has reached its number of fans", { extra: { reason: "discount_full" } });
  return null;
}

export function discountStatus(row: BrandDiscountRow, now = nowIso()) {
  if (!row.active) return "inactive" as const;
  if (row.expiresAt <= now) return "expired" as const;
  if (row.startsAt > now) return "scheduled" as const;
  return "active" as const;
}

export function presentDiscount(row: BrandDiscountRow) {
  return {
    id: row.id,
    brand_id: row.brandId,
    name: row.name,
    description: row.description,
    type: row.type,
    amount: row.amount,
    currency: row.currency,
    free_shipping: row.freeShipping,
    usage_limit: row.usageLimit,
    starts_at: row.startsAt,
    expires_at: row.expiresAt,
    last_valid_day: new Date(Date.parse(row.expiresAt) - 1).toISOString().slice(0, 10),
    code: {
      mode: row.fixedCode !== null ? ("fixed" as const) : ("unique" as const),
      fixed_code: row.fixedCode,
      length: row.codeLength,
      alphabet: row.codeAlphabet,
      prefix: row.codePrefix,
    },
    max_fans: row.maxFans,
    fan_count: row.fanCount,
    verify_email: row.verifyEmail,
    active: row.active,
    status: discountStatus(row),
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** A live discount of a live brand of the store. */
export const liveDiscount = (storeId: string, brandId: string, id: string): SQL =>
  and(eq(brandDiscounts.id, id), eq(brandDiscounts.brandId, brandId), eq(brandDiscounts.storeId, storeId), isNull(brandDiscounts.deletedAt))!;

export async function getDiscount(db: Db, storeId: string, brandId: string, id: string): Promise<BrandDiscountRow> {
  const [row] = await db
    .select({ discount: brandDiscounts })
    .from(brandDiscounts)
    .innerJoin(brands, liveBrand(storeId, brandId))
    .where(liveDiscount(storeId, brandId, id))
    .limit(1);
  if (!row) throw discountNotFound();
  return row.discount;
}

export async function createDiscount(db: Db, storeId: string, brandId: string, input: z.infer<typeof CreateDiscountBody>) {
  const brand = await getBrand(db, storeId, brandId);
  const now = nowIso();
  const unique = input.fixed_code === undefined;
  const row: BrandDiscountRow = {
    id: newId("disc"),
    storeId,
    brandId,
    name: input.name,
    description: input.description ?? null,
    type: input.type,
    amount: input.type === "free_shipping" ? null : (input.amount ?? null),
    currency: input.currency ?? null,
    freeShipping: input.type === "free_shipping" ? true : (input.free_shipping ?? false),
    usageLimit: input.usage_limit ?? 1,
    startsAt: input.starts_at ?? now,
    expiresAt: input.expires_at,
    fixedCode: input.fixed_code ?? null,
    codeLength: unique ? (input.code_length ?? DEFAULT_CODE_LENGTH) : null,
    codeAlphabet: unique ? (input.code_alphabet ?? "unambiguous") : null,
    codePrefix: unique ? (input.code_prefix ?? null) : null,
    maxFans: input.max_fans ?? DEFAULT_MAX_FANS,
    fanCount: 0,
    verifyEmail: input.verify_email ?? brand.verifyEmail,
    active: input.active ?? true,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  if (row.expiresAt <= row.startsAt) throw new ApiError("validation_failed", "The discount must expire after it starts", { errors: [{ path: "expires_at", message: "Must be after starts_at" }] });
  await db.insert(brandDiscounts).values(row);
  return row;
}

export async function listDiscounts(db: Db, secret: SecretSource, storeId: string, brandId: string, page: { limit: number; cursor?: string | undefined }) {
  await getBrand(db, storeId, brandId);
  const keyset = await paginate(secret, `brand_discounts:${storeId}:${brandId}`, page, brandDiscounts);
  const rows = await db
    .select()
    .from(brandDiscounts)
    .where(and(eq(brandDiscounts.brandId, brandId), eq(brandDiscounts.storeId, storeId), isNull(brandDiscounts.deletedAt), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, presentDiscount);
}

export async function updateDiscount(db: Db, storeId: string, brandId: string, id: string, expected: number, input: z.infer<typeof UpdateDiscountBody>) {
  const current = await getDiscount(db, storeId, brandId, id);
  const startsAt = input.starts_at ?? current.startsAt;
  const expiresAt = input.expires_at ?? current.expiresAt;
  if (expiresAt <= startsAt) throw new ApiError("validation_failed", "The discount must expire after it starts", { errors: [{ path: "expires_at", message: "Must be after starts_at" }] });
  if (input.expires_at !== undefined && input.expires_at <= nowIso()) {
    throw new ApiError("validation_failed", "A new expiry must be in the future; to stop issuing codes now, set active to false", { errors: [{ path: "expires_at", message: "Must be in the future" }] });
  }
  const patch: Partial<BrandDiscountRow> = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.description !== undefined) patch.description = input.description;
  if (input.starts_at !== undefined) patch.startsAt = input.starts_at;
  if (input.expires_at !== undefined) patch.expiresAt = input.expires_at;
  if (input.verify_email !== undefined) patch.verifyEmail = input.verify_email;
  if (input.active !== undefined) patch.active = input.active;
  const [row] = await db
    .update(brandDiscounts)
    .set({ ...patch, version: sql`${brandDiscounts.version} + 1`, updatedAt: nowIso() })
    .where(and(liveDiscount(storeId, brandId, id), eq(brandDiscounts.version, expected)))
    .returning();
  if (row) return row;
  throw staleVersion((await getDiscount(db, storeId, brandId, id)).version);
}

/** Soft delete: no more registrations; codes already issued keep being realized. */
export async function deleteDiscount(db: Db, storeId: string, brandId: string, id: string) {
  await getDiscount(db, storeId, brandId, id);
  const deleted = await db.update(brandDiscounts).set({ deletedAt: nowIso(), active: false }).where(liveDiscount(storeId, brandId, id)).returning({ id: brandDiscounts.id });
  if (deleted.length === 0) throw discountNotFound();
}
