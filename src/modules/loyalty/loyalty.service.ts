import { and, desc, eq, isNotNull, isNull, or, lte, gt, sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { Db } from "../../db/client";
import { randomCode } from "../../shared/codes";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import type { Write } from "../idempotency";
import { grant } from "./loyalty.earn";
import type { PutLoyaltyProgramBody } from "./loyalty.schemas";
import { type LoyaltyProgramRow, type StampLedgerRow, type VoucherRow, loyaltyAccounts, loyaltyPrograms, stampLedger, vouchers } from "./loyalty.tables";

export function voucherState(row: VoucherRow, now = nowIso()) {
  if (row.redeemedAt) return "redeemed" as const;
  if (row.expiresAt && row.expiresAt <= now) return "expired" as const;
  return "available" as const;
}

export function presentVoucher(row: VoucherRow) {
  return {
    id: row.id,
    customer_id: row.customerId,
    code: row.code,
    state: voucherState(row),
    source: row.source,
    amount_off_cents: row.amountOffCents,
    percent_off: row.percentOff,
    currency: row.currency,
    expires_at: row.expiresAt,
    redeemed_at: row.redeemedAt,
    redeemed_reference: row.redeemedReference,
    created_at: row.createdAt,
  };
}

export function presentEntry(row: StampLedgerRow) {
  return { id: row.id, kind: row.kind, stamps: row.stamps, balance_after: row.balanceAfter, order_id: row.orderId, vouchers: row.vouchers, reason: row.reason, created_at: row.createdAt };
}

export async function currentProgram(db: Db, storeId: string): Promise<LoyaltyProgramRow | null> {
  const [row] = await db.select().from(loyaltyPrograms).where(eq(loyaltyPrograms.storeId, storeId)).orderBy(desc(loyaltyPrograms.version)).limit(1);
  return row ?? null;
}

export function presentProgram(row: LoyaltyProgramRow | null) {
  if (!row) return { enabled: false, earn_product_ids: [], earn_tags: [], stamps_per_unit: 1, stamps_per_voucher: 10, voucher: { amount_off_cents: null, percent_off: null, currency: null }, voucher_expiry_days: null, earn_on: "order_paid" as const, version: 0, valid_from: null };
  return {
    enabled: row.enabled,
    earn_product_ids: JSON.parse(row.earnProductIds) as string[],
    earn_tags: JSON.parse(row.earnTags) as string[],
    stamps_per_unit: row.stampsPerUnit,
    stamps_per_voucher: row.stampsPerVoucher,
    voucher: { amount_off_cents: row.voucherAmountOffCents, percent_off: row.voucherPercentOff, currency: row.voucherCurrency },
    voucher_expiry_days: row.voucherExpiryDays,
    earn_on: row.earnOn,
    version: row.version,
    valid_from: row.validFrom,
  };
}

/** A new version of the program, in force from now; the version number is the primary key's guard against a concurrent change. */
export async function putProgram(db: Db, storeId: string, storeCurrency: string, input: z.infer<typeof PutLoyaltyProgramBody>): Promise<LoyaltyProgramRow> {
  const current = await currentProgram(db, storeId);
  const row: LoyaltyProgramRow = {
    storeId,
    version: (current?.version ?? 0) + 1,
    enabled: input.enabled,
    earnProductIds: JSON.stringify(input.earn_product_ids ?? []),
    earnTags: JSON.stringify(input.earn_tags ?? []),
    stampsPerUnit: input.stamps_per_unit ?? 1,
    stampsPerVoucher: input.stamps_per_voucher ?? 10,
    voucherAmountOffCents: input.voucher.amount_off_cents ?? null,
    voucherPercentOff: input.voucher.percent_off ?? null,
    voucherCurrency: input.voucher.amount_off_cents !== undefined ? (input.voucher.currency ?? storeCurrency) : null,
    voucherExpiryDays: input.voucher_expiry_days ?? null,
    earnOn: input.earn_on ?? "order_paid",
    validFrom: nowIso(),
  };
  try {
    await db.insert(loyaltyPrograms).values(row);
  } catch {
    throw new ApiError("conflict", "The program was changed concurrently; read it again");
  }
  return row;
}

export async function loyaltyAccount(db: Db, secret: SecretSource, storeId: string, customerId: string, page: { limit: number; cursor?: string | undefined }) {
  const keyset = await paginate(secret, `stamp_ledger:${storeId}:${customerId}`, page, stampLedger);
  const now = nowIso();
  const owned = and(eq(vouchers.storeId, storeId), eq(vouchers.customerId, customerId));
  // One D1 round trip for the whole view (a batch of reads).
  const [[account], ledger, available, redeemed, expired, counts, [program]] = await db.batch([
    db.select().from(loyaltyAccounts).where(and(eq(loyaltyAccounts.storeId, storeId), eq(loyaltyAccounts.customerId, customerId))).limit(1),
    db.select().from(stampLedger).where(and(eq(stampLedger.storeId, storeId), eq(stampLedger.customerId, customerId), keyset.where)).orderBy(...keyset.orderBy).limit(keyset.limit),
    db.select().from(vouchers).where(and(owned, isNull(vouchers.redeemedAt), or(isNull(vouchers.expiresAt), gt(vouchers.expiresAt, now)))).orderBy(desc(vouchers.createdAt)).limit(100),
    db.select().from(vouchers).where(and(owned, isNotNull(vouchers.redeemedAt))).orderBy(desc(vouchers.redeemedAt)).limit(20),
    db.select().from(vouchers).where(and(owned, isNull(vouchers.redeemedAt), lte(vouchers.expiresAt, now))).orderBy(desc(vouchers.expiresAt)).limit(20),
    db
      .select({
        available: sql<number>`coalesce(sum(CASE WHEN redeemed_at IS NULL AND (expires_at IS NULL OR expires_at > ${now}) THEN 1 ELSE 0 END), 0)`,
        redeemed: sql<number>`coalesce(sum(CASE WHEN redeemed_at IS NOT NULL THEN 1 ELSE 0 END), 0)`,
        expired: sql<number>`coalesce(sum(CASE WHEN redeemed_at IS NULL AND expires_at <= ${now} THEN 1 ELSE 0 END), 0)`,
      })
      .from(vouchers)
      .where(owned),
    db.select().from(loyaltyPrograms).where(eq(loyaltyPrograms.storeId, storeId)).orderBy(desc(loyaltyPrograms.version)).limit(1),
  ]);
  return {
    customer_id: customerId,
    stamps: account?.stamps ?? 0,
    stamps_per_voucher: program?.stampsPerVoucher ?? 10,
    vouchers: { available: available.map(presentVoucher), redeemed: redeemed.map(presentVoucher), expired: expired.map(presentVoucher), counts: counts[0] ?? { available: 0, redeemed: 0, expired: 0 } },
    ledger: await keyset.page(ledger, presentEntry),
  };
}

export async function grantStamps(db: Db, storeId: string, customerId: string, stamps: number, reason: string): Promise<Write<{ id: string }>> {
  const planned = grant(db, storeId, customerId, stamps, reason);
  return {
    statements: planned.statements,
    events: [{ type: "loyalty.stamps_granted", resource_type: "customer", resource_id: customerId, data: { customer_id: customerId, stamps, reason, ledger_entry_id: planned.id } }],
    result: { id: planned.id },
  };
}

export async function grantVoucher(
  db: Db,
  storeId: string,
  customerId: string,
  input: { reason: string; amount_off_cents?: number | undefined; percent_off?: number | undefined; currency?: string | undefined; expires_at?: string | null | undefined },
  storeCurrency: string,
): Promise<Write<VoucherRow>> {
  const program = await currentProgram(db, storeId);
  const explicit = input.amount_off_cents !== undefined || input.percent_off !== undefined;
  const amount = explicit ? (input.amount_off_cents ?? null) : (program?.voucherAmountOffCents ?? null);
  const percent = explicit ? (input.percent_off ?? null) : (program?.voucherPercentOff ?? null);
  if (amount === null && percent === null) throw new ApiError("validation_failed", "Give the voucher a value, or set the program's voucher value first", { errors: [{ path: "amount_off_cents", message: "Required without a program" }] });
  const now = nowIso();
  const row: VoucherRow = {
    id: newId("vch"),
    storeId,
    customerId,
    code: randomCode(16, "0123456789ABCDEF"),
    source: "granted",
    amountOffCents: amount,
    percentOff: percent,
    currency: amount !== null ? (input.currency ?? program?.voucherCurrency ?? storeCurrency) : null,
    expiresAt: input.expires_at !== undefined ? input.expires_at : program?.voucherExpiryDays ? new Date(Date.now() + program.voucherExpiryDays * 86_400_000).toISOString() : null,
    redeemedAt: null,
    redeemedReference: null,
    reason: input.reason,
    createdAt: now,
  };
  return {
    statements: [db.insert(vouchers).values(row)],
    events: [{ type: "loyalty.voucher_granted", resource_type: "voucher", resource_id: row.id, data: { voucher_id: row.id, customer_id: customerId, reason: input.reason } }],
    result: row,
  };
}

export async function getVoucher(db: Db, storeId: string, id: string, customerId: string | null): Promise<VoucherRow> {
  const [row] = await db.select().from(vouchers).where(and(eq(vouchers.id, id), eq(vouchers.storeId, storeId))).limit(1);
  if (!row || (customerId !== null && row.customerId !== customerId)) throw new ApiError("not_found", "No such voucher");
  return row;
}

/** Marks a voucher redeemed once: 409 `voucher_already_redeemed` after that, 422 when expired. */
export async function redeemVoucher(db: Db, storeId: string, id: string, customerId: string | null, reference: string | null): Promise<Write<VoucherRow>> {
  const row = await getVoucher(db, storeId, id, customerId);
  const now = nowIso();
  if (row.redeemedAt) throw new ApiError("voucher_already_redeemed", "This voucher was already redeemed");
  if (voucherState(row, now) === "expired") throw new ApiError("business_rule_violation", "This voucher has expired", { extra: { reason: "voucher_expired" } });
  return {
    statements: [
      batchable(db.$client, db.run(sql`UPDATE vouchers SET redeemed_at = ${now}, redeemed_reference = ${reference} WHERE id = ${row.id} AND store_id = ${storeId} AND redeemed_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})`)),
      changedOneRow(db),
    ],
    events: [{ type: "loyalty.voucher_redeemed", resource_type: "voucher", resource_id: row.id, data: { voucher_id: row.id, customer_id: row.customerId, reference } }],
    result: { ...row, redeemedAt: now, redeemedReference: reference },
    refused: (error) => (isBatchGuardFailure(error) ? new ApiError("voucher_already_redeemed", "This voucher was already redeemed") : undefined),
  };
}

/** A voucher by the code a customer typed (case and dashes ignored). */
export async function findVoucherByCode(db: Db, storeId: string, code: string): Promise<VoucherRow | null> {
  const [row] = await db.select().from(vouchers).where(and(eq(vouchers.storeId, storeId), eq(vouchers.code, code.replace(/[\s-]+/g, "").toUpperCase()))).limit(1);
  return row ?? null;
}

/** Checkout's batch: the voucher redeemed for this invoice, guarded (unredeemed, unexpired, the cart's customer's). */
export function voucherRedemption(db: Db, storeId: string, voucherId: string, customerId: string, reference: string) {
  const now = nowIso();
  return [
    batchable(
      db.$client,
      db.run(sql`UPDATE vouchers SET redeemed_at = ${now}, redeemed_reference = ${reference}
        WHERE id = ${voucherId} AND store_id = ${storeId} AND customer_id = ${customerId} AND redeemed_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})`),
    ),
    changedOneRow(db),
  ];
}

/** A failed payment gives the voucher back (only the redemption this invoice made). */
export function voucherRelease(db: Db, storeId: string, voucherId: string, reference: string) {
  return [batchable(db.$client, db.run(sql`UPDATE vouchers SET redeemed_at = NULL, redeemed_reference = NULL WHERE id = ${voucherId} AND store_id = ${storeId} AND redeemed_reference = ${reference}`))];
}

export async function findVoucherById(db: Db, storeId: string, id: string): Promise<VoucherRow | null> {
  const [row] = await db.select().from(vouchers).where(and(eq(vouchers.storeId, storeId), eq(vouchers.id, id))).limit(1);
  return row ?? null;
}
