import { z } from "@hono/zod-openapi";
import { AmountCentsSchema, CurrencySchema } from "../../shared/money";
import { pageSchema } from "../../shared/pagination";

import { Timestamp } from "../../shared/schemas";

export const CreditOrderPreference = z
  .enum(["gift_card_first", "store_credit_first"])
  .openapi({ description: "Which balance checkout draws from first" });

export const Store = z
  .object({
    id: z.string().openapi({ example: "store_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    name: z.string().openapi({ example: "Lorikeet Coffee" }),
    tagline: z.string().nullable().openapi({ example: "Small-batch roasts" }),
    currency: z.string().openapi({ example: "USD" }),
    app_id: z.string().openapi({ example: "app_3kLq9ZxV0b2Nn5Tt8WmYpR" }),
    credit_order_preference: CreditOrderPreference,
    require_email_confirmation: z.boolean(),
    ...{
      tax_rate_bps: z.number().int().openapi({ example: 825, description: "Tax on the discounted subtotal in basis points (825 = 8.25%), rounded half up" }),
      shipping_flat_cents: z.number().int().openapi({ example: 500 }),
      stored_value_order: z.enum(["gift_cards_first", "credit_first"]).openapi({ description: "Which checkout draws first after discounts: the cart's gift cards (default) or the customer's store credit" }),
      free_shipping_over_cents: z.number().int().nullable().openapi({ example: 5000, description: "Discounted subtotal from which shipping is free; null: never" }),
      cart_expiry_seconds: z.number().int().openapi({ example: 604800, description: "An idle cart expires after this long (default 7 days)" }),
      max_item_quantity: z.number().int().openapi({ example: 100, description: "Most units of one product in a cart or an order line" }),
      draft_expiry_days: z.number().int().nullable().openapi({ example: 30, description: "Drafts older than this are canceled (reason `expired`) by the hourly cron; null: never" }),
    },
    version: z.number().int().openapi({ example: 1 }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Store");

export const CreateStoreBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    tagline: z.string().max(500).optional(),
    currency: CurrencySchema,
    credit_order_preference: CreditOrderPreference.optional(),
    require_email_confirmation: z.boolean().optional(),
    tax_rate_bps: z.number().int().min(0).max(10_000).optional(),
    shipping_flat_cents: AmountCentsSchema.optional(),
    stored_value_order: z.enum(["gift_cards_first", "credit_first"]).optional(),
    free_shipping_over_cents: AmountCentsSchema.nullable().optional(),
    cart_expiry_seconds: z.number().int().min(1).max(90 * 86_400).optional(),
    max_item_quantity: z.number().int().min(1).max(10_000).optional(),
    draft_expiry_days: z.number().int().min(1).max(365).nullable().optional(),
  })
  .openapi("CreateStoreBody", { example: { name: "Lorikeet Coffee", currency: "USD" } });

export const UpdateStoreBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    tagline: z.string().max(500).nullable().optional(),
    currency: CurrencySchema.optional(),
    credit_order_preference: CreditOrderPreference.optional(),
    require_email_confirmation: z.boolean().optional(),
    tax_rate_bps: z.number().int().min(0).max(10_000).optional(),
    shipping_flat_cents: AmountCentsSchema.optional(),
    stored_value_order: z.enum(["gift_cards_first", "credit_first"]).optional(),
    free_shipping_over_cents: AmountCentsSchema.nullable().optional(),
    cart_expiry_seconds: z.number().int().min(1).max(90 * 86_400).optional(),
    max_item_quantity: z.number().int().min(1).max(10_000).optional(),
    draft_expiry_days: z.number().int().min(1).max(365).nullable().optional(),
  })
  .openapi("UpdateStoreBody", { example: { tagline: "Roasted this week" } });

export const ApiKey = z
  .object({
    id: z.string().openapi({ example: "key_0aB1cD2eF3gH4iJ5kL6mN7" }),
    name: z.string().nullable().openapi({ example: "back office" }),
    prefix: z.string().openapi({ example: "sk_Xq3f", description: "First characters of the key, for recognition" }),
    created_at: Timestamp,
    last_used_at: Timestamp.nullable(),
  })
  .openapi("ApiKey");

export const CreatedApiKey = ApiKey.extend({
  secret: z.string().openapi({ example: "sk_Xq3f9YbL2nM8pR4tV6wZ0aC1eG5iK7oQ", description: "Shown once" }),
}).openapi("CreatedApiKey");

export const CreateApiKeyBody = z
  .strictObject({ name: z.string().trim().min(1).max(100).optional() })
  .openapi("CreateApiKeyBody", { example: { name: "back office" } });

export const ApiKeyPage = pageSchema(ApiKey, "ApiKeyPage");

export const CreatedStore = z
  .object({
    store: Store,
    api_key: CreatedApiKey,
    app_secret: z.string().openapi({ example: "as_Vb7Xn2Qe9Lr4Ty1Ui8Op3As6Df0Gh5J", description: "Shown once" }),
  })
  .openapi("CreatedStore");

export const TokenBody = z
  .strictObject({
    app_id: z.string().min(1).max(100),
    app_secret: z.string().min(1).max(200),
  })
  .openapi("TokenBody", {
    example: { app_id: "app_3kLq9ZxV0b2Nn5Tt8WmYpR", app_secret: "as_Vb7Xn2Qe9Lr4Ty1Ui8Op3As6Df0Gh5J" },
  });

export const AccessToken = z
  .object({
    access_token: z.string().openapi({ example: "at_Pq8Rs2Tu6Vw0Xy4Za1Bc5De9Fg3Hi7Jk" }),
    token_type: z.literal("Bearer"),
    expires_at: Timestamp,
  })
  .openapi("AccessToken");

export const AccessTokenInfo = z
  .object({
    id: z.string().openapi({ example: "tok_0aB1cD2eF3gH4iJ5kL6mN7" }),
    prefix: z.string().openapi({ example: "at_Pq8R", description: "First characters of the token, for recognition" }),
    created_at: Timestamp,
    expires_at: Timestamp,
    last_used_at: Timestamp.nullable(),
  })
  .openapi("AccessTokenInfo");

export const AccessTokenPage = pageSchema(AccessTokenInfo, "AccessTokenPage");

export const RotatedAppSecret = z
  .object({
    app_id: z.string().openapi({ example: "app_3kLq9ZxV0b2Nn5Tt8WmYpR" }),
    app_secret: z.string().openapi({ example: "as_Vb7Xn2Qe9Lr4Ty1Ui8Op3As6Df0Gh5J", description: "Shown once" }),
  })
  .openapi("RotatedAppSecret");
