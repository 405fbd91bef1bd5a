import { and, isNotNull, isNull, lte, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import { createDb } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { nowIso } from "../../shared/time";
import { commit } from "../idempotency";
import { couponCodes } from "./coupons.tables";

/** Records each coupon code whose `expires_at` passed (`expired_at`) with one `coupon_code.expired`. */
export async function expireCoupons(env: Pick<Bindings, "DB" | "EVENTS">, now = nowIso(), limit = 500): Promise<{ expired: number }> {
  const db = createDb(env.DB);
  const due = await db
    .select({ id: couponCodes.id, storeId: couponCodes.storeId, code: couponCodes.code, expiresAt: couponCodes.expiresAt })
    .from(couponCodes)
    .where(and(isNull(couponCodes.voidedAt), isNull(couponCodes.expiredAt), isNotNull(couponCodes.expiresAt), lte(couponCodes.expiresAt, now)))
    .limit(limit);
  let expired = 0;
  for (const coupon of due) {
    try {
      await commit(
        db,
        {
          statements: [
            batchable(
              db.$client,
              db.run(sql`UPDATE coupon_codes SET expired_at = ${now}, version = version + 1, updated_at = ${now}
                WHERE id = ${coupon.id} AND expired_at IS NULL AND voided_at IS NULL AND expires_at <= ${now}`),
            ),
            changedOneRow(db),
          ],
          events: [{ type: "coupon_code.expired", resource_type: "coupon_code", resource_id: coupon.id, data: { coupon_code_id: coupon.id, code: coupon.code, expires_at: coupon.expiresAt } }],
          result: null,
        },
        { storeId: coupon.storeId, events: env.EVENTS },
      );
      expired += 1;
    } catch (error) {
      if (!isBatchGuardFailure(error)) throw error;
    }
  }
  return { expired };
}
