import { and, eq, isNull, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import { type Db, prepared } from "../../db/client";
import { randomCode } from "../../shared/codes";
import { aesGcmEncrypt, sha256Hex } from "../../shared/crypto";
import { batchable, changedOneRow, isBatchGuardFailure, isUniqueViolation } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId, newSecret } from "../../shared/ids";
import { type SecretSource, currentSecret, purposeKey } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { addSeconds, nowIso } from "../../shared/time";
import { fanVerificationDelivery } from "../customers";
import { type EventDraft, type EventMessage, appendEventStatements, newEvent, publishEvents } from "../events";
import { type Write, commit } from "../idempotency";
import { discountNotFound, discountRefusal, getDiscount } from "./campaigns.discounts";
import { presentFan } from "./campaigns.present";
import { CODE_ALPHABETS } from "./campaigns.schemas";
import { type BrandDiscountRow, type CampaignCouponRow, type FanRow, brandDiscounts, brands, campaignCoupons, fans } from "./campaigns.tables";

/** Verification links work once, for 7 days. */
export const VERIFICATION_TTL_SECONDS = 7 * 24 * 60 * 60;
const TOKEN_FORMAT = /^fvt_[0-9A-Za-z]{32}$/;

/**
 * One registration per mailbox: trimmed, NFC, lowercase, without a `+tag` in the local part, and for
 * Gmail without dots (Gmail ignores both), so `Ann.Lee+promo@gmail.com` is `annlee@gmail.com`.
 */
export function fanEmailKey(email: string): string {
  const lower = email.trim().normalize("NFC").toLowerCase();
  const at = lower.lastIndexOf("@");
  let local = lower.slice(0, at);
  let domain = lower.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (domain === "googlemail.com") domain = "gmail.com";
  if (domain === "gmail.com") local = local.replaceAll(".", "");
  return `${local}@${domain}`;
}

/** The code a fan of this discount gets: the fixed code, or prefix + random symbols of the configured alphabet. */
export function issueCode(discount: BrandDiscountRow): { code: string; hash: Promise<string> | null } {
  if (discount.fixedCode !== null) return { code: discount.fixedCode, hash: null };
  const code = `${discount.codePrefix ?? ""}${randomCode(discount.codeLength ?? 12, CODE_ALPHABETS[discount.codeAlphabet ?? "unambiguous"])}`;
  return { code, hash: sha256Hex(code) };
}

export async function sealCode(secret: SecretSource, code: string): Promise<string> {
  return aesGcmEncrypt(await purposeKey(currentSecret(secret), "coupon"), code);
}

async function couponValues(env: Bindings, discount: BrandDiscountRow, now: string) {
  const { code, hash } = issueCode(discount);
  return { id: newId("fcp"), code, codeCiphertext: await sealCode(env, code), codeHash: hash ? await hash : null, now };
}

export type Registration = { fan: FanRow; created: boolean; coupon: CampaignCouponRow | null; code: string | null };

/** The discount (of a live brand of the store), its brand's name, and this mailbox's registration with its coupon: one prepared read. */
const registrationContext = (db: Db) =>
  db
    .select({ discount: brandDiscounts, brandName: brands.name, fan: fans, coupon: campaignCoupons })
    .from(brandDiscounts)
    .innerJoin(brands, and(eq(brands.id, brandDiscounts.brandId), isNull(brands.deletedAt)))
    .leftJoin(fans, and(eq(fans.discountId, brandDiscounts.id), eq(fans.emailNormalized, sql.placeholder("email"))))
    .leftJoin(campaignCoupons, eq(campaignCoupons.fanId, fans.id))
    .where(
      and(
        eq(brandDiscounts.id, sql.placeholder("discount")),
        eq(brandDiscounts.brandId, sql.placeholder("brand")),
        eq(brandDiscounts.storeId, sql.placeholder("store")),
        isNull(brandDiscounts.deletedAt),
      ),
    )
    .limit(1)
    .prepare();

async function readRegistration(db: Db, storeId: string, brandId: string, discountId: string, key: string) {
  const [row] = await prepared(db, "campaigns.registrationContext", registrationContext).all({ store: storeId, brand: brandId, discount: discountId, email: key });
  if (!row) throw discountNotFound();
  return row;
}

/**
 * Registers a fan once per mailbox and discount. One batch claims a place on the discount (active,
 * started, not expired, not full, no registration of this mailbox yet: guarded), inserts the fan
 * and either its coupon (pending realization) or its verification token and email. Anything that
 * fails the guard or the unique index answers the existing registration, or why there is none.
 * Queue sends and event publishing run after the commit through `defer` (the sweeps repeat what a
 * crash loses).
 */
export async function registerFan(
  db: Db,
  env: Bindings,
  storeId: string,
  brandId: string,
  discountId: string,
  input: { name: string; email: string; social_handle?: string | undefined },
  defer: (work: Promise<unknown>) => void = (work) => void work.catch(() => undefined),
): Promise<Registration> {
  const key = fanEmailKey(input.email);
  const context = await readRegistration(db, storeId, brandId, discountId, key);
  const discount = context.discount;
  if (context.fan) return { fan: context.fan, created: false, coupon: context.coupon, code: null };
  const refusal = discountRefusal(discount);
  if (refusal) throw refusal;

  for (let attempt = 0; attempt < 3; attempt++) {
    const now = nowIso();
    const fanId = newId("fan");
    const token = discount.verifyEmail ? newSecret("fvt") : null;
    const fan: FanRow = {
      id: fanId,
      storeId,
      brandId,
      discountId: discount.id,
      name: input.name,
      email: input.email,
      emailNormalized: key,
      socialHandle: input.social_handle ?? null,
      status: token ? "pending_verification" : "registered",
      tokenHash: token ? await sha256Hex(token) : null,
      tokenExpiresAt: token ? addSeconds(now, VERIFICATION_TTL_SECONDS) : null,
      verifiedAt: null,
      emailDeliveryId: null,
      createdAt: now,
    };
    const statements: Write<unknown>["statements"] = [
      batchable(
        db.$client,
        db.run(sql`UPDATE brand_discounts SET fan_count = fan_count + 1
          WHERE id = ${discount.id} AND store_id = ${storeId} AND brand_id = ${brandId} AND deleted_at IS NULL
            AND active = 1 AND starts_at <= ${now} AND expires_at > ${now} AND fan_count < max_fans
            AND EXISTS (SELECT 1 FROM brands WHERE id = ${brandId} AND store_id = ${storeId} AND deleted_at IS NULL)
            AND NOT EXISTS (SELECT 1 FROM fans WHERE discount_id = ${discount.id} AND email_normalized = ${key})`),
      ),
      changedOneRow(db),
    ];
    let coupon: CampaignCouponRow | null = null;
    let code: string | null = null;
    let send: () => Promise<unknown>;
    if (token) {
      const email = await fanVerificationDelivery(db, currentSecret(env), { storeId, to: input.email, payload: { token, brand_name: context.brandName, discount_name: discount.name } });
      fan.emailDeliveryId = email.row.id;
      statements.push(db.insert(fans).values(fan), email.statement);
      send = () => env.EMAIL_OUTBOX.send({ delivery_id: email.row.id });
    } else {
      const values = await couponValues(env, discount, now);
      coupon = couponRow({ ...values, storeId, brandId, discountId: discount.id, fanId });
      code = values.code;
      statements.push(db.insert(fans).values(fan), db.insert(campaignCoupons).values(coupon));
      send = () => env.COUPON_REALIZATION.send({ coupon_id: values.id }, { contentType: "json" });
    }
    const events: EventDraft[] = [
      { type: "fan.registered", resource_type: "fan", resource_id: fanId, data: { fan_id: fanId, brand_id: brandId, discount_id: discount.id, status: fan.status, coupon_id: coupon?.id ?? null } },
    ];
    let published: EventMessage[];
    try {
      published = await commitQuietly(db, storeId, statements, events);
    } catch (error) {
      if (isUniqueViolation(error, "campaign_coupons.code_hash")) continue; // two fans drew the same unique code: draw again
      if (!isBatchGuardFailure(error) && !isUniqueViolation(error, "fans.")) throw error;
      const raced = await readRegistration(db, storeId, brandId, discountId, key);
      if (raced.fan) return { fan: raced.fan, created: false, coupon: raced.coupon, code: null };
      throw discountRefusal(raced.discount) ?? new ApiError("conflict", "The discount changed during registration; retry");
    }
    defer(Promise.all([send(), publishEvents(env.EVENTS, published)]));
    return { fan, created: true, coupon, code };
  }
  throw new ApiError("service_unavailable", "Could not draw an unused code; retry");
}

/** The statements and their events in one batch; the events are returned for publishing after it. */
async function commitQuietly(db: Db, storeId: string, statements: Write<unknown>["statements"], drafts: EventDraft[]): Promise<EventMessage[]> {
  const events = drafts.map((draft) => newEvent(storeId, draft));
  await db.batch([...statements, ...appendEventStatements(db, events)] as unknown as Parameters<Db["batch"]>[0]);
  return events;
}

function couponRow(c: { id: string; codeCiphertext: string; codeHash: string | null; now: string; storeId: string; brandId: string; discountId: string; fanId: string }): CampaignCouponRow {
  return {
    id: c.id,
    storeId: c.storeId,
    brandId: c.brandId,
    discountId: c.discountId,
    fanId: c.fanId,
    codeCiphertext: c.codeCiphertext,
    codeHash: c.codeHash,
    status: "pending",
    attempts: 0,
    lastError: null,
    lastResponseStatus: null,
    nextAttemptAt: c.now,
    lockedUntil: null,
    realizedAt: null,
    failedAt: null,
    deadLetteredAt: null,
    createdAt: c.now,
    updatedAt: c.now,
  };
}

function insertCoupon(db: Db, c: { id: string; codeCiphertext: string; codeHash: string | null; now: string; storeId: string; brandId: string; discountId: string; fanId: string }) {
  return db.insert(campaignCoupons).values({
    id: c.id,
    storeId: c.storeId,
    brandId: c.brandId,
    discountId: c.discountId,
    fanId: c.fanId,
    codeCiphertext: c.codeCiphertext,
    codeHash: c.codeHash,
    status: "pending",
    attempts: 0,
    nextAttemptAt: c.now,
    createdAt: c.now,
    updatedAt: c.now,
  });
}

export async function listFans(db: Db, env: Bindings, storeId: string, brandId: string, discountId: string, page: { limit: number; cursor?: string | undefined }) {
  await getDiscount(db, storeId, brandId, discountId);
  const keyset = await paginate(env, `fans:${storeId}:${discountId}`, page, fans);
  const rows = await db
    .select({ fan: fans, coupon: campaignCoupons })
    .from(fans)
    .leftJoin(campaignCoupons, eq(campaignCoupons.fanId, fans.id))
    .where(and(eq(fans.discountId, discountId), eq(fans.storeId, storeId), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  const flat = rows.map((r) => ({ ...r.fan, coupon: r.coupon }));
  const result = await keyset.page(flat, (r) => r);
  return { ...result, data: await Promise.all(result.data.map((r) => presentFan(env, r, r.coupon))) };
}

// ---------- verification ----------

export type TokenState =
  | { kind: "pending"; fan: FanRow; discount: BrandDiscountRow; brandName: string }
  | { kind: "used"; fan: FanRow }
  | { kind: "invalid" };

/** What a verification token refers to, without changing anything (the GET page). */
export async function inspectToken(db: Db, token: string, now = nowIso()): Promise<TokenState> {
  if (!TOKEN_FORMAT.test(token)) return { kind: "invalid" };
  const [row] = await db
    .select({ fan: fans, discount: brandDiscounts, brandName: brands.name })
    .from(fans)
    .innerJoin(brandDiscounts, and(eq(brandDiscounts.id, fans.discountId), sql`${brandDiscounts.deletedAt} IS NULL`))
    .innerJoin(brands, and(eq(brands.id, fans.brandId), sql`${brands.deletedAt} IS NULL`))
    .where(eq(fans.tokenHash, await sha256Hex(token)))
    .limit(1);
  if (!row) return { kind: "invalid" };
  if (row.fan.status !== "pending_verification") return { kind: "used", fan: row.fan };
  if ((row.fan.tokenExpiresAt ?? "") <= now) return { kind: "invalid" };
  return { kind: "pending", fan: row.fan, discount: row.discount, brandName: row.brandName };
}

export const invalidLink = () => new ApiError("invalid_token", "This verification link is invalid or has expired");
export const alreadyVerified = () => new ApiError("conflict", "This email was already verified; the code is on its way", { extra: { reason: "already_verified" } });

/**
 * Verifies a fan once and issues its coupon: the fan turns `verified` only from
 * `pending_verification` with an unexpired token and a discount that still issues codes (guarded), and
 * the coupon is inserted in the same batch (one per fan, by unique index). A second use, concurrent
 * or later, changes nothing and realizes nothing.
 */
export async function verifyFan(db: Db, env: Bindings, token: string): Promise<{ fanId: string; couponId: string; code: string }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await inspectToken(db, token);
    if (state.kind === "invalid") throw invalidLink();
    if (state.kind === "used") throw alreadyVerified();
    const { fan, discount } = state;
    const now = nowIso();
    if (discountRefusalAtVerification(discount, now)) throw discountRefusalAtVerification(discount, now)!;
    const coupon = await couponValues(env, discount, now);
    const statements: Write<unknown>["statements"] = [
      batchable(
        db.$client,
        db.run(sql`UPDATE fans SET status = 'verified', verified_at = ${now}
          WHERE id = ${fan.id} AND status = 'pending_verification' AND token_expires_at > ${now}
            AND EXISTS (SELECT 1 FROM brand_discounts d JOIN brands b ON b.id = d.brand_id
                        WHERE d.id = fans.discount_id AND d.deleted_at IS NULL AND b.deleted_at IS NULL
                          AND d.active = 1 AND d.expires_at > ${now})`),
      ),
      changedOneRow(db),
      insertCoupon(db, { ...coupon, storeId: fan.storeId, brandId: fan.brandId, discountId: fan.discountId, fanId: fan.id }),
    ];
    const events: EventDraft[] = [
      { type: "fan.verified", resource_type: "fan", resource_id: fan.id, data: { fan_id: fan.id, brand_id: fan.brandId, discount_id: fan.discountId, coupon_id: coupon.id } },
    ];
    try {
      await commit(db, { statements, events, result: null }, { storeId: fan.storeId, events: env.EVENTS });
    } catch (error) {
      if (isUniqueViolation(error, "campaign_coupons.code_hash")) continue;
      if (isBatchGuardFailure(error) || isUniqueViolation(error, "campaign_coupons.")) {
        const again = await inspectToken(db, token);
        if (again.kind === "used") throw alreadyVerified();
        if (again.kind === "pending") throw discountRefusalAtVerification(again.discount, nowIso()) ?? new ApiError("conflict", "Retry");
        throw invalidLink();
      }
      throw error;
    }
    await env.COUPON_REALIZATION.send({ coupon_id: coupon.id }, { contentType: "json" }).catch(() => undefined);
    return { fanId: fan.id, couponId: coupon.id, code: coupon.code };
  }
  throw new ApiError("service_unavailable", "Could not draw an unused code; retry");
}

/** A pending fan already holds a place (`fan_count`), so only the discount's switch and expiry matter here. */
function discountRefusalAtVerification(discount: BrandDiscountRow, now: string): ApiError | null {
  const refusal = discountRefusal({ ...discount, fanCount: 0, startsAt: "" }, now);
  return refusal;
}
