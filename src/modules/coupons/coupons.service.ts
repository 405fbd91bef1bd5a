import { type SQL, and, desc, eq, gt, isNotNull, isNull, lt, lte, not, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { CODE_ALPHABET, normalizeCode, randomCode } from "../../shared/codes";
import { batchable, changedOneRow, isBatchGuardFailure, isUniqueViolation } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import type { Write } from "../idempotency";
import { type CouponListInput, type CreateCouponInput, GENERATED_COUPON_LENGTH, REDEMPTION_PREVIEW } from "./coupons.schemas";
import { type CouponRedemptionRow, type CouponRow, couponCodes, couponRedemptions } from "./coupons.tables";

const notFound = () => new ApiError("not_found", "No such coupon code in this store");

/** The one refusal for every unusable code: unknown, expired, voided, exhausted, not for this customer or order. */
export const notApplicable = () => new ApiError("code_not_applicable", "This code cannot be used");

export function couponState(row: Pick<CouponRow, "voidedAt" | "expiresAt" | "usageLimit" | "timesRedeemed">, now = nowIso()) {
  if (row.voidedAt !== null) return "voided" as const;
  if (row.expiresAt !== null && row.expiresAt <= now) return "expired" as const;
  if (row.usageLimit !== null && row.timesRedeemed >= row.usageLimit) return "exhausted" as const;
  return "active" as const;
}

export function presentCoupon(row: CouponRow) {
  return {
    id: row.id,
    code: row.code,
    percent_off: row.percentOff,
    amount_off_cents: row.amountOffCents,
    currency: row.currency,
    min_subtotal_cents: row.minSubtotalCents,
    expires_at: row.expiresAt,
    usage_limit: row.usageLimit,
    per_customer_limit: row.perCustomerLimit,
    first_order_only: row.firstOrderOnly,
    times_redeemed: row.timesRedeemed,
    state: couponState(row),
    voided_at: row.voidedAt,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function presentRedemption(row: CouponRedemptionRow) {
  return {
    id: row.id,
    customer_id: row.customerId,
    reference: row.reference,
    discount_cents: row.discountCents,
    currency: row.currency,
    created_at: row.createdAt,
    reversed_at: row.reversedAt,
  };
}

/** Usable at `now`: not voided, not expired, usage left. */
export function usableCoupon(now: string): SQL {
  return and(
    isNull(couponCodes.voidedAt),
    or(isNull(couponCodes.expiresAt), gt(couponCodes.expiresAt, now)),
    or(isNull(couponCodes.usageLimit), lt(couponCodes.timesRedeemed, couponCodes.usageLimit)),
  )!;
}

export function createCoupon(db: Db, storeId: string, storeCurrency: string, input: CreateCouponInput): Write<CouponRow> {
  const now = nowIso();
  const needsCurrency = input.amount_off_cents !== undefined || input.min_subtotal_cents !== undefined;
  const row: CouponRow = {
    id: newId("cpn"),
    storeId,
    code: input.code ? normalizeCode(input.code) : randomCode(GENERATED_COUPON_LENGTH, CODE_ALPHABET),
    percentOff: input.percent_off ?? null,
    amountOffCents: input.amount_off_cents ?? null,
    currency: needsCurrency || input.currency ? (input.currency ?? storeCurrency) : null,
    minSubtotalCents: input.min_subtotal_cents ?? null,
    expiresAt: input.expires_at ?? null,
    usageLimit: input.usage_limit ?? null,
    perCustomerLimit: input.per_customer_limit ?? null,
    firstOrderOnly: input.first_order_only ?? false,
    timesRedeemed: 0,
    voidedAt: null,
    expiredAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return {
    statements: [db.insert(couponCodes).values(row)],
    events: [{ type: "coupon_code.created", resource_type: "coupon_code", resource_id: row.id, resource_version: 1, data: { coupon_code: presentCoupon(row) } }],
    result: row,
    refused: (error) => (isUniqueViolation(error, "coupon_codes.code") ? new ApiError("duplicate", "This store already has a live coupon with this code") : undefined),
  };
}

export async function getCouponRow(db: Db, storeId: string, id: string): Promise<CouponRow> {
  const [row] = await db.select().from(couponCodes).where(and(eq(couponCodes.id, id), eq(couponCodes.storeId, storeId))).limit(1);
  if (!row) throw notFound();
  return row;
}

/** The live (not voided) coupon with this code, whatever its state. */
export async function findCouponByCode(db: Db, storeId: string, code: string): Promise<CouponRow | null> {
  const normalized = normalizeCode(code);
  if (normalized.length < 3 || normalized.length > 32) return null;
  const [row] = await db
    .select()
    .from(couponCodes)
    .where(and(eq(couponCodes.storeId, storeId), eq(couponCodes.code, normalized), isNull(couponCodes.voidedAt)))
    .limit(1);
  return row ?? null;
}

export async function getCoupon(db: Db, storeId: string, id: string) {
  const [[row], redemptions] = await db.batch([
    db.select().from(couponCodes).where(and(eq(couponCodes.id, id), eq(couponCodes.storeId, storeId))).limit(1),
    db
      .select()
      .from(couponRedemptions)
      .where(and(eq(couponRedemptions.couponId, id), eq(couponRedemptions.storeId, storeId)))
      .orderBy(desc(couponRedemptions.createdAt), desc(couponRedemptions.id))
      .limit(REDEMPTION_PREVIEW + 1),
  ]);
  if (!row) throw notFound();
  return {
    ...presentCoupon(row),
    redemptions: redemptions.slice(0, REDEMPTION_PREVIEW).map(presentRedemption),
    redemptions_has_more: redemptions.length > REDEMPTION_PREVIEW,
  };
}

export async function listRedemptions(db: Db, secret: SecretSource, storeId: string, id: string, page: { limit: number; cursor?: string | undefined }) {
  await getCouponRow(db, storeId, id);
  const keyset = await paginate(secret, `coupon_redemptions:${storeId}:${id}`, page, { createdAt: couponRedemptions.createdAt, id: couponRedemptions.id });
  const rows = await db
    .select()
    .from(couponRedemptions)
    .where(and(eq(couponRedemptions.couponId, id), eq(couponRedemptions.storeId, storeId), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, presentRedemption);
}

export async function listCoupons(db: Db, secret: SecretSource, storeId: string, query: CouponListInput) {
  const now = nowIso();
  const scope = `coupon_codes:${storeId}:${query.active ?? ""}:${query.expired ?? ""}:${query.voided ?? ""}`;
  const keyset = await paginate(secret, scope, query, { createdAt: couponCodes.createdAt, id: couponCodes.id });
  const conditions: Array<SQL | undefined> = [eq(couponCodes.storeId, storeId), keyset.where];
  if (query.active === true) conditions.push(usableCoupon(now));
  if (query.active === false) conditions.push(not(usableCoupon(now)));
  if (query.expired === true) conditions.push(and(isNotNull(couponCodes.expiresAt), lte(couponCodes.expiresAt, now)));
  if (query.expired === false) conditions.push(or(isNull(couponCodes.expiresAt), gt(couponCodes.expiresAt, now)));
  if (query.voided === true) conditions.push(isNotNull(couponCodes.voidedAt));
  if (query.voided === false) conditions.push(isNull(couponCodes.voidedAt));
  const rows = await db.select().from(couponCodes).where(and(...conditions)).orderBy(...keyset.orderBy).limit(keyset.limit);
  return keyset.page(rows, presentCoupon);
}

/** Voids a code: it keeps its record and ledger, is never usable again, and its code becomes free. */
export async function voidCoupon(db: Db, storeId: string, id: string): Promise<Write<CouponRow>> {
  const row = await getCouponRow(db, storeId, id);
  const alreadyVoided = () => new ApiError("invalid_transition", "The coupon code is already voided");
  if (row.voidedAt !== null) throw alreadyVoided();
  const now = nowIso();
  const voided: CouponRow = { ...row, voidedAt: now, version: row.version + 1, updatedAt: now };
  return {
    statements: [
      batchable(
        db.$client,
        db.run(sql`UPDATE coupon_codes SET voided_at = ${now}, version = version + 1, updated_at = ${now} WHERE id = ${id} AND store_id = ${storeId} AND voided_at IS NULL`),
      ),
      changedOneRow(db),
    ],
    events: [{ type: "coupon_code.voided", resource_type: "coupon_code", resource_id: id, resource_version: voided.version, data: { coupon_code: presentCoupon(voided) } }],
    result: voided,
    refused: (error) => (isBatchGuardFailure(error) ? alreadyVoided() : undefined),
  };
}
