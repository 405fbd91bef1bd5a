import { z } from "@hono/zod-openapi";
import { CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { FutureInstant, Timestamp } from "../../shared/schemas";

const VoucherValue = z.object({
  amount_off_cents: z.number().int().nullable().openapi({ example: 500 }),
  percent_off: z.number().int().nullable().openapi({ description: "Percentages round down to the cent" }),
  currency: z.string().nullable(),
});

export const LoyaltyProgram = z
  .object({
    enabled: z.boolean(),
    earn_product_ids: z.array(z.string()),
    earn_tags: z.array(z.string()),
    stamps_per_unit: z.number().int(),
    stamps_per_voucher: z.number().int(),
    voucher: VoucherValue,
    voucher_expiry_days: z.number().int().nullable(),
    earn_on: z.enum(["order_paid", "order_delivered"]),
    version: z.number().int().openapi({ description: "0 before the program was first set" }),
    valid_from: Timestamp.nullable(),
  })
  .openapi("LoyaltyProgram");

export const PutLoyaltyProgramBody = z
  .strictObject({
    enabled: z.boolean(),
    earn_product_ids: z.array(z.string().min(1).max(64)).max(200).optional(),
    earn_tags: z.array(z.string().min(1).max(50)).max(40).optional(),
    stamps_per_unit: z.number().int().min(1).max(100).optional().openapi({ description: "Default 1" }),
    stamps_per_voucher: z.number().int().min(1).max(1000).optional().openapi({ description: "Default 10" }),
    voucher: z
      .strictObject({
        amount_off_cents: z.number().int().min(1).max(100_000_000).optional(),
        percent_off: z.number().int().min(1).max(100).optional(),
        currency: CurrencySchema.optional(),
      })
      .refine((v) => (v.amount_off_cents === undefined) !== (v.percent_off === undefined), { message: "Either amount_off_cents or percent_off" }),
    voucher_expiry_days: z.number().int().min(1).max(3650).nullable().optional(),
    earn_on: z.enum(["order_paid", "order_delivered"]).optional().openapi({ description: "Default `order_paid`" }),
  })
  .openapi("PutLoyaltyProgramBody");

export const Voucher = z
  .object({
    id: z.string().openapi({ example: "vch_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    customer_id: z.string(),
    code: z.string().openapi({ description: "What the customer enters at checkout (`POST /v1/carts/{id}/discounts`)" }),
    state: z.enum(["available", "redeemed", "expired"]),
    source: z.enum(["converted", "granted"]),
    amount_off_cents: z.number().int().nullable(),
    percent_off: z.number().int().nullable(),
    currency: z.string().nullable(),
    expires_at: Timestamp.nullable(),
    redeemed_at: Timestamp.nullable(),
    redeemed_reference: z.string().nullable(),
    created_at: Timestamp,
  })
  .openapi("Voucher");

export const StampLedgerEntry = z
  .object({
    id: z.string(),
    kind: z.enum(["earned", "converted", "granted", "reversed"]),
    stamps: z.number().int().openapi({ description: "Signed: negative for conversions and reversals" }),
    balance_after: z.number().int(),
    order_id: z.string().nullable(),
    vouchers: z.number().int().openapi({ description: "Vouchers a conversion made" }),
    reason: z.string().nullable(),
    created_at: Timestamp,
  })
  .openapi("StampLedgerEntry");

export const LoyaltyAccount = z
  .object({
    customer_id: z.string(),
    stamps: z.number().int().openapi({ description: "Unspent stamps; below zero after a reversal of stamps already converted (repaid by the next earnings)" }),
    stamps_per_voucher: z.number().int(),
    vouchers: z.object({
      available: z.array(Voucher),
      redeemed: z.array(Voucher),
      expired: z.array(Voucher),
      counts: z.object({ available: z.number().int(), redeemed: z.number().int(), expired: z.number().int() }),
    }),
    ledger: pageSchema(StampLedgerEntry, "StampLedgerPage"),
  })
  .openapi("LoyaltyAccount");

export const LoyaltyQuery = PageQuerySchema;

export const GrantStampsBody = z
  .strictObject({ stamps: z.number().int().min(1).max(1000), reason: z.string().trim().min(1).max(500) })
  .openapi("GrantStampsBody");

export const GrantVoucherBody = z
  .strictObject({
    reason: z.string().trim().min(1).max(500),
    amount_off_cents: z.number().int().min(1).max(100_000_000).optional(),
    percent_off: z.number().int().min(1).max(100).optional(),
    currency: CurrencySchema.optional(),
    expires_at: FutureInstant.nullable().optional(),
  })
  .refine((v) => !(v.amount_off_cents !== undefined && v.percent_off !== undefined), { message: "Either amount_off_cents or percent_off" })
  .openapi("GrantVoucherBody", { description: "Without a value, the program's voucher value" });

export const RedeemVoucherBody = z.strictObject({ reference: z.string().trim().min(1).max(200).optional() }).openapi("RedeemVoucherBody");

export const GrantedStamps = z.object({ ledger_entry: StampLedgerEntry, stamps: z.number().int() }).openapi("GrantedStamps");
