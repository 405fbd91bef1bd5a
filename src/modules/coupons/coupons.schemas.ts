import { z } from "@hono/zod-openapi";
import { AmountCentsSchema, CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { FutureInstant, Timestamp, booleanQuery } from "../../shared/schemas";

export const REDEMPTION_PREVIEW = 20;
export const GENERATED_COUPON_LENGTH = 10;

const CodeInput = z
  .string()
  .trim()
  .min(3)
  .max(32)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _-]*$/, "Letters, digits, spaces, dashes and underscores, starting with a letter or digit")
  .openapi({ example: "SUMMER-10", description: "Case, spaces and dashes are ignored when matching (`summer 10` finds `SUMMER10`)" });

export const CouponState = z.enum(["active", "expired", "exhausted", "voided"]).openapi({
  description: "`exhausted`: the usage limit is reached (a reversal can make it active again)",
});

export const CouponCode = z
  .object({
    id: z.string().openapi({ example: "cpn_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    code: z.string().openapi({ example: "SUMMER10" }),
    percent_off: z.number().int().nullable().openapi({ example: 10 }),
    amount_off_cents: z.number().int().nullable(),
    currency: z.string().nullable().openapi({ description: "The currency of `amount_off_cents` and `min_subtotal_cents`; null for a percentage without minimum" }),
    min_subtotal_cents: z.number().int().nullable(),
    expires_at: Timestamp.nullable(),
    usage_limit: z.number().int().nullable(),
    per_customer_limit: z.number().int().nullable(),
    first_order_only: z.boolean(),
    times_redeemed: z.number().int(),
    state: CouponState,
    voided_at: Timestamp.nullable(),
    version: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("CouponCode");

export const CouponRedemption = z
  .object({
    id: z.string().openapi({ example: "cpr_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    customer_id: z.string().nullable(),
    reference: z.string().nullable().openapi({ description: "What the coupon was used for (e.g. an order id)" }),
    discount_cents: z.number().int(),
    currency: z.string(),
    created_at: Timestamp,
    reversed_at: Timestamp.nullable(),
  })
  .openapi("CouponRedemption");

export const CouponRedemptionPage = pageSchema(CouponRedemption, "CouponRedemptionPage");
export const CouponCodePage = pageSchema(CouponCode, "CouponCodePage");

export const CouponCodeDetail = CouponCode.extend({
  redemptions: z.array(CouponRedemption).openapi({ description: `The newest ${REDEMPTION_PREVIEW} redemptions; all of them page at /redemptions` }),
  redemptions_has_more: z.boolean(),
}).openapi("CouponCodeDetail");

const Limit = z.number().int().min(1).max(1_000_000_000);

export const CreateCouponBody = z
  .strictObject({
    code: CodeInput.optional().openapi({ description: `Absent: ${GENERATED_COUPON_LENGTH} random unambiguous characters` }),
    percent_off: z.number().int().min(1).max(100).optional(),
    amount_off_cents: AmountCentsSchema.min(1).optional(),
    currency: CurrencySchema.optional().openapi({ description: "For `amount_off_cents` and `min_subtotal_cents`; defaults to the store's" }),
    min_subtotal_cents: AmountCentsSchema.optional(),
    expires_at: FutureInstant.nullable().optional(),
    usage_limit: Limit.nullable().optional().openapi({ description: "Redemptions in total; null or absent: unlimited" }),
    per_customer_limit: Limit.nullable().optional().openapi({ description: "Redemptions per customer; a redemption then needs a customer" }),
    first_order_only: z.boolean().optional(),
  })
  .superRefine((value, ctx) => {
    const kinds = Number(value.percent_off !== undefined) + Number(value.amount_off_cents !== undefined);
    if (kinds !== 1) ctx.addIssue({ code: "custom", path: ["percent_off"], message: "Send exactly one of percent_off and amount_off_cents" });
  })
  .openapi("CreateCouponBody", { example: { code: "SUMMER10", percent_off: 10, usage_limit: 500, per_customer_limit: 1 } });
export type CreateCouponInput = z.infer<typeof CreateCouponBody>;

export const CouponListQuery = PageQuerySchema.extend({
  active: booleanQuery("active", "`true`: only codes usable now; `false`: only expired, exhausted or voided ones"),
  expired: booleanQuery("expired", "`true`: only codes past `expires_at`; `false`: only codes not expired"),
  voided: booleanQuery("voided", "`true`: only voided codes; `false`: only codes not voided"),
});
export type CouponListInput = z.infer<typeof CouponListQuery>;

export const ValidateCouponBody = z
  .strictObject({
    code: z.string().min(1).max(64),
    subtotal_cents: AmountCentsSchema.optional().openapi({ description: "The order subtotal the code would apply to; absent: no discount is computed" }),
    currency: CurrencySchema.optional().openapi({ description: "Of the subtotal; defaults to the store's" }),
    customer_id: z.string().min(1).max(64).optional().openapi({ description: "Checks the per-customer limit and `first_order_only`" }),
  })
  .openapi("ValidateCouponBody", { example: { code: "SUMMER10", subtotal_cents: 4999, customer_id: "cus_8fJ2kq0LxY4m1Nw7pQzR3a" } });
export type ValidateCouponInput = z.infer<typeof ValidateCouponBody>;

export const CouponValidation = z
  .object({
    applies: z.literal(true),
    coupon: CouponCode.pick({ id: true, code: true, percent_off: true, amount_off_cents: true, currency: true, min_subtotal_cents: true, expires_at: true }),
    subtotal_cents: z.number().int().nullable(),
    discount_cents: z.number().int().nullable().openapi({ description: "Percent: rounded down to the minor unit; amount: at most the subtotal. Null without a subtotal" }),
    total_after_discount_cents: z.number().int().nullable().openapi({ description: "Never below 0" }),
  })
  .openapi("CouponValidation");
