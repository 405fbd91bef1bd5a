import { CreditBalance } from "../credits";
import { Order } from "../orders";
import { z } from "@hono/zod-openapi";
import { CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { Count, Timestamp, timeRange } from "../../shared/schemas";

export const MAX_ADDRESSES = 20;
export const MAX_EMAILS = 10;


export const EMAIL_RULE =
  "Email addresses are unique per store after trimming, Unicode NFC normalization and lowercasing. " +
  "`+tags` and dots are kept: `ann.lee+shop@example.com`, `annlee+shop@example.com` and `ann.lee@example.com` are three addresses, " +
  "because whether they reach the same mailbox depends on the provider.";

export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: "Not a valid email address" }))
  .openapi({ type: "string", format: "email", example: "ann.lee@example.com", description: EMAIL_RULE });

const Password = z.string().min(8).max(256).openapi({ description: "At least 8 characters; never returned", example: "correct horse battery" });
const Name = z.string().trim().min(1).max(100).nullable();

export const AddressInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200).nullable().optional().openapi({ example: "Ann Lee" }),
    company: z.string().trim().min(1).max(200).nullable().optional(),
    line1: z.string().trim().min(1).max(200).openapi({ example: "1 Harbour St" }),
    line2: z.string().trim().min(1).max(200).nullable().optional(),
    city: z.string().trim().min(1).max(100).openapi({ example: "Sydney" }),
    state: z.string().trim().min(1).max(100).nullable().optional().openapi({ example: "NSW" }),
    postal_code: z.string().trim().min(1).max(20).nullable().optional().openapi({ example: "2000" }),
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, "An ISO 3166-1 alpha-2 country code")
      .toUpperCase()
      .openapi({ example: "AU", description: "ISO 3166-1 alpha-2 code in any letter case (`us`, `US`); stored and returned in upper case" }),
    phone: z.string().trim().min(1).max(40).nullable().optional(),
    is_primary: z.boolean().optional().openapi({
      description: "Make this the primary address (the previous primary stops being primary). Defaults to true for a customer's first address.",
    }),
  })
  .openapi("AddressInput");

export type AddressInputValue = z.infer<typeof AddressInput>;

export const Address = z
  .object({
    id: z.string().openapi({ example: "addr_3kLq9ZxV0b2Nn5Tt8WmYpR" }),
    name: z.string().nullable(),
    company: z.string().nullable(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    state: z.string().nullable(),
    postal_code: z.string().nullable(),
    country: z.string(),
    phone: z.string().nullable(),
    is_primary: z.boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Address");

export const Customer = z
  .object({
    id: z.string().openapi({ example: "cus_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    email: z.string().openapi({ example: "ann.lee@example.com", description: "The primary email" }),
    first_name: z.string().nullable().openapi({ example: "Ann" }),
    last_name: z.string().nullable().openapi({ example: "Lee" }),
    currency: z.string().openapi({ example: "AUD" }),
    total_spent_cents: z.number().int().openapi({
      example: 0,
      description: "Sum of the customer's paid orders (closed, shipped or delivered) in the customer's currency",
    }),
    last_order_at: Timestamp.nullable().openapi({ description: "When the newest non-draft order was created" }),
    confirmed_at: Timestamp.nullable().openapi({ description: "When the primary email was confirmed; null if not" }),
    has_password: z.boolean(),
    addresses: z.array(Address).openapi({ description: "Live addresses, primary first" }),
    version: z.number().int().openapi({ example: 1, description: "Also sent as ETag; PATCH honours If-Match" }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Customer");

export const CustomerPage = pageSchema(Customer, "CustomerPage");

export const CreateCustomerBody = z
  .strictObject({
    email: EmailSchema,
    first_name: Name.optional(),
    last_name: Name.optional(),
    currency: CurrencySchema.optional().openapi({ description: "Defaults to the store's currency" }),
    password: Password.optional(),
    addresses: z.array(AddressInput).max(MAX_ADDRESSES).optional(),
  })
  .openapi("CreateCustomerBody", {
    example: { email: "ann.lee@example.com", first_name: "Ann", last_name: "Lee", password: "correct horse battery" },
  });

export type CreateCustomerInput = z.infer<typeof CreateCustomerBody>;

export const UpdateCustomerBody = z
  .strictObject({
    first_name: Name.optional(),
    last_name: Name.optional(),
    currency: CurrencySchema.optional(),
    password: Password.nullable().optional().openapi({ description: "A new password (signs out every session); null removes it" }),
  })
  .refine((value) => Object.keys(value).length > 0, { message: "Send at least one field to change" })
  .openapi("UpdateCustomerBody", { example: { first_name: "Annie" } });

export type UpdateCustomerInput = z.infer<typeof UpdateCustomerBody>;

const customerFilters = {
  email: EmailSchema.optional().openapi({ param: { name: "email", in: "query" }, description: "Any of the customer's emails, normalized" }),
  ...timeRange("created", "customers created"),
  updated_after: timeRange("updated", "customers updated").updated_after,
};

export const CustomerFilterQuery = z.object(customerFilters);
export const CustomerListQuery = PageQuerySchema.extend(customerFilters);
export type CustomerFilters = z.infer<typeof CustomerFilterQuery>;

export const CustomerEmail = z
  .object({
    id: z.string().openapi({ example: "eml_3kLq9ZxV0b2Nn5Tt8WmYpR" }),
    email: z.string().openapi({ example: "ann.lee@example.com" }),
    is_primary: z.boolean(),
    confirmed_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .openapi("CustomerEmail");

export const AddEmailBody = z
  .strictObject({
    email: EmailSchema,
    is_primary: z.boolean().optional().openapi({ description: "Make it the customer's primary email (unconfirmed until confirmed)" }),
  })
  .openapi("AddEmailBody", { example: { email: "ann@work.example" } });

const listOf = <T extends z.ZodType>(item: T, name: string, description: string) =>
  z
    .object({
      data: z.array(item),
      next_cursor: z.null().openapi({ description: "Always null: the list is small and returned whole" }),
    })
    .openapi(name, { description });

export const AddressList = listOf(Address, "AddressList", `At most ${MAX_ADDRESSES} live addresses, primary first`);
export const EmailList = listOf(CustomerEmail, "CustomerEmailList", `At most ${MAX_EMAILS} emails, primary first`);

export const CustomerSnapshot = Customer.extend({
  emails: z.array(CustomerEmail),
  recent_orders: z.array(Order).openapi({ description: "The customer's newest orders (at most 5), newest first" }),
  credit_balances: z.array(CreditBalance).openapi({ description: "Spendable store credit per currency (not voided, not expired), by currency code" }),
}).openapi("CustomerSnapshot", {
  description:
    "The customer with addresses, emails, recent orders and store credit balances. The open cart and loyalty balances are added as those modules ship; fields appear only when they can be filled truthfully.",
});

export { Count };

export const EmailDelivery = z
  .object({
    id: z.string().openapi({ example: "dlv_3kLq9ZxV0b2Nn5Tt8WmYpR" }),
    customer_id: z.string().nullable().openapi({ description: "The customer a confirmation is for; null for a fan's verification email" }),
    kind: z.enum(["customer_confirmation", "fan_verification"]),
    to: z.string(),
    status: z.enum(["queued", "sending", "sent", "logged", "failed"]).openapi({
      description:
        "`queued` waiting for the consumer (also between retries), `sending` being handed over, `sent` accepted by the provider, `logged` written to the Worker log because no provider is configured, `failed` gave up after the last retry",
    }),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    delivered_at: Timestamp.nullable(),
  })
  .openapi("EmailDelivery");

export const LoginBody = z
  .strictObject({
    store_id: z.string().min(1).max(64).openapi({ example: "store_8fJ2kq0LxY4m1Nw7pQzR3a", description: "Store ids are public" }),
    email: EmailSchema,
    password: z.string().min(1).max(256),
    cart_token: z.string().min(1).max(100).optional().openapi({ description: "An anonymous cart's `ct_` token: its items join the customer's open cart (or it becomes theirs), and the token stops working" }),
  })
  .openapi("LoginBody", {
    example: { store_id: "store_8fJ2kq0LxY4m1Nw7pQzR3a", email: "ann.lee@example.com", password: "correct horse battery" },
  });

export const CustomerSession = z
  .object({
    token: z.string().openapi({ example: "cst_Pq8Rs2Tu6Vw0Xy4Za1Bc5De9Fg3Hi7Jk", description: "Send as `Authorization: Bearer`; shown once" }),
    token_type: z.literal("Bearer"),
    expires_at: Timestamp,
    customer_id: z.string(),
    cart_id: z.string().nullable().openapi({ description: "With `cart_token`: the customer's open cart the anonymous cart was merged into; otherwise null" }),
  })
  .openapi("CustomerSession");

export const ConfirmBody = z
  .strictObject({ token: z.string().min(1).max(200).openapi({ example: "ect_Vb7Xn2Qe9Lr4Ty1Ui8Op3As6Df0Gh5J" }) })
  .openapi("ConfirmBody");

export const Confirmation = z
  .object({ customer_id: z.string(), email: z.string(), confirmed_at: Timestamp })
  .openapi("Confirmation");
