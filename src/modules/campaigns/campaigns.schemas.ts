import { z } from "@hono/zod-openapi";
import { CurrencySchema, MAX_AMOUNT_CENTS } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { Timestamp } from "../../shared/schemas";
import { EmailSchema } from "../customers";

const Instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .openapi({ type: "string", format: "date-time", example: "2027-01-01T00:00:00Z" });
const Name = z.string().trim().min(1).max(200);
const Url = z.string().trim().max(2048).pipe(z.url({ message: "Not a URL" })).openapi({ type: "string", format: "uri", example: "https://shop.example.com/edgeshop/coupons" });

// ---------- brands ----------

export const Brand = z
  .object({
    id: z.string().openapi({ example: "brand_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    name: z.string().openapi({ example: "Acme Coffee" }),
    realizer_url: z.string().openapi({ description: "Where issued coupons are POSTed (the brand's WooCommerce, Shopify or CRM bridge)" }),
    verify_email: z.boolean().openapi({ description: "The default `verify_email` of new discounts" }),
    version: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Brand");

export const BrandWithSecret = Brand.extend({
  secret: z.string().openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", description: "Signs every realization (Standard Webhooks); shown only here" }),
}).openapi("BrandWithSecret");

export const BrandPage = pageSchema(Brand, "BrandPage");

export const CreateBrandBody = z
  .strictObject({
    name: Name.openapi({ example: "Acme Coffee" }),
    realizer_url: Url,
    verify_email: z.boolean().optional().openapi({ description: "Default false" }),
  })
  .openapi("CreateBrandBody");

export const UpdateBrandBody = z
  .strictObject({ name: Name.optional(), realizer_url: Url.optional(), verify_email: z.boolean().optional() })
  .openapi("UpdateBrandBody");

// ---------- discounts ----------

export const CODE_ALPHABETS = {
  /** Uppercase letters and digits without 0/O, 1/I/L (31 symbols). */
  unambiguous: "ABCDEFGHJKMNPQRSTUVWXYZ23456789",
  uppercase_digits: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  digits: "0123456789",
} as const;
export type CodeAlphabet = keyof typeof CODE_ALPHABETS;

/** A unique code must be this much harder to guess than the campaign is large: alphabet^length >= max_fans x 10^9. */
export const GUESS_MARGIN_DIGITS = 9;
export const DEFAULT_MAX_FANS = 100_000;
export const DEFAULT_CODE_LENGTH = 12;

export function codeSpaceIsEnough(alphabet: CodeAlphabet, length: number, maxFans: number): boolean {
  return length * Math.log10(CODE_ALPHABETS[alphabet].length) >= Math.log10(maxFans) + GUESS_MARGIN_DIGITS;
}

const DiscountType = z.enum(["percent", "fixed_cart", "free_shipping"]).openapi({
  description: "`percent` off the cart (`amount` 1-100), `fixed_cart` amount off the cart (`amount` in minor units of `currency`), `free_shipping`",
});

export const DiscountStatus = z.enum(["active", "scheduled", "expired", "inactive"]).openapi({
  description: "`active` issues codes now; `scheduled` before `starts_at`; `expired` at or after `expires_at`; `inactive` switched off",
});

export const Discount = z
  .object({
    id: z.string().openapi({ example: "disc_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    brand_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    type: DiscountType,
    amount: z.number().int().nullable().openapi({ description: "Percent (1-100) or minor units; null for `free_shipping`" }),
    currency: z.string().nullable(),
    free_shipping: z.boolean(),
    usage_limit: z.number().int().openapi({ description: "How many times each code may be used at the brand's shop" }),
    starts_at: Timestamp,
    expires_at: Timestamp.openapi({ description: "Codes are issued and valid before this instant (exclusive)" }),
    last_valid_day: z.string().openapi({ example: "2026-12-31", description: "The UTC day of the last valid instant: what a shop with date-only expiry stores" }),
    code: z.object({
      mode: z.enum(["fixed", "unique"]),
      fixed_code: z.string().nullable(),
      length: z.number().int().nullable(),
      alphabet: z.enum(["unambiguous", "uppercase_digits", "digits"]).nullable(),
      prefix: z.string().nullable(),
    }),
    max_fans: z.number().int(),
    fan_count: z.number().int(),
    verify_email: z.boolean(),
    active: z.boolean(),
    status: DiscountStatus,
    version: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Discount");

export const DiscountPage = pageSchema(Discount, "DiscountPage");

export const CreateDiscountBody = z
  .strictObject({
    name: Name.openapi({ example: "Summer fans 10%" }),
    description: z.string().trim().max(2000).nullable().optional(),
    type: DiscountType,
    amount: z.number().int().optional().openapi({ example: 10 }),
    currency: CurrencySchema.optional().openapi({ description: "Required for `fixed_cart`" }),
    free_shipping: z.boolean().optional().openapi({ description: "Also ship free (always true for `free_shipping`)" }),
    usage_limit: z.number().int().min(1).max(1_000_000).optional().openapi({ description: "Uses per code, at least 1 (default 1)" }),
    starts_at: Instant.optional().openapi({ description: "Default: now" }),
    expires_at: Instant.openapi({
      description: "Must be in the future. Exclusive: for December 31 as the last valid day send `2027-01-01T00:00:00Z`",
    }),
    fixed_code: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{3,64}$/, "3-64 letters, digits, _ or -")
      .optional()
      .openapi({ example: "SUMMER10", description: "One code for every fan; leave out for unique codes" }),
    code_length: z.number().int().min(6).max(32).optional().openapi({ description: `Unique codes: symbols per code (default ${DEFAULT_CODE_LENGTH})` }),
    code_alphabet: z.enum(["unambiguous", "uppercase_digits", "digits"]).optional().openapi({ description: "Unique codes: `unambiguous` (default: no 0/O, 1/I/L), `uppercase_digits` or `digits`" }),
    code_prefix: z
      .string()
      .regex(/^[A-Z0-9-]{1,16}$/, "1-16 uppercase letters, digits or -")
      .optional()
      .openapi({ example: "ACME-", description: "Unique codes: written before the random part (adds no entropy)" }),
    max_fans: z.number().int().min(1).max(10_000_000).optional().openapi({
      description: "How many fans the campaign may have (default 100,000). Unique codes must leave a random guess at most a one-in-a-billion chance: alphabet^length >= max_fans x 10^9",
    }),
    verify_email: z.boolean().optional().openapi({ description: "Default: the brand's `verify_email`" }),
    active: z.boolean().optional().openapi({ description: "Default true" }),
  })
  .superRefine((body, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (body.type === "percent" && (body.amount === undefined || body.amount < 1 || body.amount > 100)) issue("amount", "A percent discount needs an amount of 1-100");
    if (body.type === "fixed_cart") {
      if (body.amount === undefined || body.amount < 1 || body.amount > MAX_AMOUNT_CENTS) issue("amount", "A fixed discount needs a positive amount in minor units");
      if (body.currency === undefined) issue("currency", "A fixed discount needs a currency");
    }
    if (body.type !== "fixed_cart" && body.currency !== undefined) issue("currency", "Only a fixed discount has a currency");
    if (body.type === "free_shipping" && body.amount !== undefined) issue("amount", "A free-shipping discount has no amount");
    if (body.type === "free_shipping" && body.free_shipping === false) issue("free_shipping", "A free-shipping discount ships free");
    if (body.starts_at !== undefined && body.starts_at >= body.expires_at) issue("expires_at", "Must be after starts_at");
    if (Date.parse(body.expires_at) <= Date.now()) issue("expires_at", "Must be in the future");
    const unique = body.code_length !== undefined || body.code_alphabet !== undefined || body.code_prefix !== undefined;
    if (body.fixed_code !== undefined && unique) issue("fixed_code", "Either a fixed code or unique-code settings, not both");
    if (body.fixed_code === undefined && !codeSpaceIsEnough(body.code_alphabet ?? "unambiguous", body.code_length ?? DEFAULT_CODE_LENGTH, body.max_fans ?? DEFAULT_MAX_FANS)) {
      issue("code_length", `Too few possible codes for ${body.max_fans ?? DEFAULT_MAX_FANS} fans: alphabet^length must be at least max_fans x 10^9`);
    }
  })
  .openapi("CreateDiscountBody");

export const UpdateDiscountBody = z
  .strictObject({
    name: Name.optional(),
    description: z.string().trim().max(2000).nullable().optional(),
    starts_at: Instant.optional(),
    expires_at: Instant.optional(),
    verify_email: z.boolean().optional(),
    active: z.boolean().optional(),
  })
  .openapi("UpdateDiscountBody", {
    description: "What a code is worth and how codes are made cannot change once fans may hold codes: create another discount",
  });

// ---------- fans and coupons ----------

export const CouponStatus = z.enum(["pending", "realized", "failed"]).openapi({
  description: "`pending` waiting for (or between) attempts to realize it at the brand's shop; `realized` accepted there; `failed` refused (4xx) or out of retries",
});

export const Coupon = z
  .object({
    id: z.string().openapi({ example: "fcp_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    brand_id: z.string(),
    discount_id: z.string(),
    fan_id: z.string(),
    code: z.string().openapi({ example: "ACME-7KQ2XW9PRT4M" }),
    status: CouponStatus,
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    last_response_status: z.number().int().nullable(),
    next_attempt_at: Timestamp.nullable(),
    realized_at: Timestamp.nullable(),
    failed_at: Timestamp.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("CampaignCoupon");

export const CouponPage = pageSchema(Coupon, "CampaignCouponPage");

export const Fan = z
  .object({
    id: z.string().openapi({ example: "fan_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    brand_id: z.string(),
    discount_id: z.string(),
    name: z.string(),
    email: z.string(),
    social_handle: z.string().nullable(),
    status: z.enum(["pending_verification", "verified", "registered"]).openapi({
      description: "`pending_verification` until the emailed link is confirmed (no code yet); `verified` confirmed; `registered` needed no verification",
    }),
    verified_at: Timestamp.nullable(),
    verification_expires_at: Timestamp.nullable(),
    email_delivery_id: z.string().nullable().openapi({ description: "The verification email (`GET /v1/email-deliveries/{id}`)" }),
    coupon: z.object({ id: z.string(), code: z.string(), status: CouponStatus }).nullable(),
    created_at: Timestamp,
  })
  .openapi("Fan");

export const FanPage = pageSchema(Fan, "FanPage");

export const RegisterFanBody = z
  .strictObject({
    name: Name.openapi({ example: "Uni User" }),
    email: EmailSchema,
    social_handle: z.string().trim().min(1).max(100).optional().openapi({ example: "@uniuser" }),
  })
  .openapi("RegisterFanBody");

export const CouponListQuery = PageQuerySchema.extend({
  status: CouponStatus.optional().openapi({ param: { name: "status", in: "query" } }),
});

export const VerifiedFan = z
  .object({ fan_id: z.string(), status: z.literal("verified"), coupon: z.object({ id: z.string(), code: z.string(), status: CouponStatus }) })
  .openapi("VerifiedFan");

export const PendingVerification = z
  .object({ status: z.literal("pending_verification"), brand_name: z.string(), discount_name: z.string(), expires_at: Timestamp })
  .openapi("PendingVerification");
