import { z } from "@hono/zod-openapi";
import { CurrencySchema } from "../../shared/money";
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
  })
  .openapi("CreateStoreBody", { example: { name: "Lorikeet Coffee", currency: "USD" } });

export const UpdateStoreBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    tagline: z.string().max(500).nullable().optional(),
    currency: CurrencySchema.optional(),
    credit_order_preference: CreditOrderPreference.optional(),
    require_email_confirmation: z.boolean().optional(),
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
