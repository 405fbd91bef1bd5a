import type { SecretSource } from "../../shared/keys";
import { decryptWithRotation } from "../../shared/keys";
import type { CampaignCouponRow, FanRow } from "./campaigns.tables";

export async function openCode(secret: SecretSource, row: Pick<CampaignCouponRow, "codeCiphertext">): Promise<string> {
  return decryptWithRotation(secret, "coupon", row.codeCiphertext);
}

export async function presentCoupon(secret: SecretSource, row: CampaignCouponRow) {
  return {
    id: row.id,
    brand_id: row.brandId,
    discount_id: row.discountId,
    fan_id: row.fanId,
    code: await openCode(secret, row),
    status: row.status,
    attempts: row.attempts,
    last_error: row.lastError,
    last_response_status: row.lastResponseStatus,
    next_attempt_at: row.status === "pending" ? row.nextAttemptAt : null,
    realized_at: row.realizedAt,
    failed_at: row.failedAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** `code`, when the caller just made it, saves opening the ciphertext. */
export async function presentFan(secret: SecretSource, fan: FanRow, coupon: CampaignCouponRow | null, code: string | null = null) {
  return {
    id: fan.id,
    brand_id: fan.brandId,
    discount_id: fan.discountId,
    name: fan.name,
    email: fan.email,
    social_handle: fan.socialHandle,
    status: fan.status,
    verified_at: fan.verifiedAt,
    verification_expires_at: fan.status === "pending_verification" ? fan.tokenExpiresAt : null,
    email_delivery_id: fan.emailDeliveryId,
    coupon: coupon ? { id: coupon.id, code: code ?? (await openCode(secret, coupon)), status: coupon.status } : null,
    created_at: fan.createdAt,
  };
}
