import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { requireLiveCustomer } from "../credits";
import type { Write } from "../idempotency";
import { customerOrderSummaries } from "../orders";
import { afterDiscount, discountCents } from "./coupons.discount";
import { couponState, findCouponByCode, getCouponRow, notApplicable } from "./coupons.service";
import { type CouponRow, couponRedemptions } from "./coupons.tables";

export interface CouponUse {
  subtotalCents?: number | undefined;
  currency: string;
  customerId?: string | undefined;
}

/**
 * Whether `coupon` applies to this use, as read now; throws the uniform refusal when it does not.
 * A customer who does not exist is 422 `customer_not_found` (that says nothing about the code).
 * The redeem statement re-checks the limits under the write, so a read that goes stale never lets
 * a redemption past them.
 */
export async function assertApplicable(db: Db, env: Pick<Bindings, "ORDER_STREAM">, storeId: string, coupon: CouponRow | null, use: CouponUse, redeeming: boolean): Promise<number | null> {
  if (use.customerId !== undefined) {
    try {
      await requireLiveCustomer(db, storeId, use.customerId);
    } catch {
      throw new ApiError("customer_not_found");
    }
  }
  if (!coupon || couponState(coupon) !== "active") throw notApplicable();
  if (coupon.currency !== null && coupon.currency !== use.currency) throw notApplicable();
  if (coupon.minSubtotalCents !== null && use.subtotalCents !== undefined && use.subtotalCents < coupon.minSubtotalCents) throw notApplicable();
  const personal = coupon.perCustomerLimit !== null || coupon.firstOrderOnly;
  if (personal && use.customerId === undefined && redeeming) throw notApplicable();
  if (coupon.perCustomerLimit !== null && use.customerId !== undefined) {
    const [row] = await db
      .select({ n: count() })
      .from(couponRedemptions)
      .where(and(eq(couponRedemptions.couponId, coupon.id), eq(couponRedemptions.customerId, use.customerId), isNull(couponRedemptions.reversedAt)));
    if ((row?.n ?? 0) >= coupon.perCustomerLimit) throw notApplicable();
  }
  if (coupon.firstOrderOnly && use.customerId !== undefined) {
    const summaries = await customerOrderSummaries(env, storeId, [use.customerId], 0);
    if (summaries[use.customerId]?.last_order_at) throw notApplicable();
  }
  return use.subtotalCents === undefined ? null : discountCents(coupon, use.subtotalCents);
}

/** What `POST /v1/coupon-codes/validate` answers for a usable code. */
export async function validateCoupon(db: Db, env: Pick<Bindings, "ORDER_STREAM">, storeId: string, code: string, use: CouponUse) {
  const coupon = await findCouponByCode(db, storeId, code);
  const discount = await assertApplicable(db, env, storeId, coupon, use, false);
  const c = coupon!;
  return {
    applies: true as const,
    coupon: {
      id: c.id,
      code: c.code,
      percent_off: c.percentOff,
      amount_off_cents: c.amountOffCents,
      currency: c.currency,
      min_subtotal_cents: c.minSubtotalCents,
      expires_at: c.expiresAt,
    },
    subtotal_cents: use.subtotalCents ?? null,
    discount_cents: discount,
    total_after_discount_cents: discount === null ? null : afterDiscount(use.subtotalCents!, discount),
  };
}

export interface CouponRedemptionPlan {
  couponId: string;
  redemptionId: string;
  discountCents: number;
}

/**
 * One use of a coupon for checkout's batch: the guarded UPDATE re-checks voided, expiry, the total
 * limit and the customer's limit inside the write and fails the whole batch when any is gone (the
 * uniform 422), then the redemption row. Exact under any concurrency: D1 runs batches one at a time.
 */
export async function planCouponRedemption(
  db: Db,
  env: Pick<Bindings, "ORDER_STREAM">,
  storeId: string,
  use: { couponId?: string; code?: string; subtotalCents: number; currency: string; customerId?: string; reference: string },
): Promise<Write<CouponRedemptionPlan>> {
  const coupon = use.couponId !== undefined ? await getCouponRow(db, storeId, use.couponId).catch(() => null) : await findCouponByCode(db, storeId, use.code ?? "");
  const discount = (await assertApplicable(db, env, storeId, coupon, use, true))!;
  const c = coupon!;
  const now = nowIso();
  const redemptionId = newId("cpr");
  const customerId = use.customerId ?? null;
  return {
    statements: [
      batchable(
        db.$client,
        db.run(sql`UPDATE coupon_codes SET times_redeemed = times_redeemed + 1, version = version + 1, updated_at = ${now}
          WHERE id = ${c.id} AND store_id = ${storeId} AND voided_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})
            AND (usage_limit IS NULL OR times_redeemed < usage_limit)
            AND (per_customer_limit IS NULL OR (SELECT count(*) FROM coupon_redemptions r
                 WHERE r.coupon_id = ${c.id} AND r.customer_id = ${customerId} AND r.reversed_at IS NULL) < per_customer_limit)`),
      ),
      changedOneRow(db),
      db.insert(couponRedemptions).values({
        id: redemptionId,
        storeId,
        couponId: c.id,
        customerId,
        reference: use.reference,
        discountCents: discount,
        currency: use.currency,
        createdAt: now,
        reversedAt: null,
      }),
    ],
    events: [
      {
        type: "coupon_code.redeemed",
        resource_type: "coupon_code",
        resource_id: c.id,
        data: { coupon_code_id: c.id, code: c.code, redemption_id: redemptionId, customer_id: customerId, discount_cents: discount, currency: use.currency, reference: use.reference },
      },
    ],
    result: { couponId: c.id, redemptionId, discountCents: discount },
    refused: (error) => (isBatchGuardFailure(error) ? notApplicable() : undefined),
  };
}

/** Gives one use back (a refund or a declined payment); a redemption is reversed at most once. */
export async function planCouponReversal(db: Db, storeId: string, redemptionId: string): Promise<Write<{ couponId: string; redemptionId: string }>> {
  const [row] = await db
    .select()
    .from(couponRedemptions)
    .where(and(eq(couponRedemptions.id, redemptionId), eq(couponRedemptions.storeId, storeId)))
    .limit(1);
  if (!row) throw new ApiError("not_found", "No such coupon redemption in this store");
  const already = () => new ApiError("invalid_transition", "The redemption is already reversed");
  if (row.reversedAt !== null) throw already();
  const now = nowIso();
  return {
    statements: [
      batchable(db.$client, db.run(sql`UPDATE coupon_redemptions SET reversed_at = ${now} WHERE id = ${row.id} AND store_id = ${storeId} AND reversed_at IS NULL`)),
      changedOneRow(db),
      batchable(
        db.$client,
        db.run(sql`UPDATE coupon_codes SET times_redeemed = times_redeemed - 1, version = version + 1, updated_at = ${now} WHERE id = ${row.couponId} AND store_id = ${storeId}`),
      ),
    ],
    events: [
      {
        type: "coupon_code.redemption_reversed",
        resource_type: "coupon_code",
        resource_id: row.couponId,
        data: { coupon_code_id: row.couponId, redemption_id: row.id, customer_id: row.customerId, reference: row.reference },
      },
    ],
    result: { couponId: row.couponId, redemptionId: row.id },
    refused: (error) => (isBatchGuardFailure(error) ? already() : undefined),
  };
}
