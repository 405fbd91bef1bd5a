import { z } from "@hono/zod-openapi";
import { Timestamp } from "../../shared/schemas";
import { AddressInput, EmailSchema } from "../customers";

const Quantity = z.number().int().min(1).openapi({ example: 2, description: "1 to the store's `max_item_quantity`" });
const Id = (example: string) => z.string().min(1).max(64).openapi({ example });

export const CartItemInput = z.strictObject({ product_id: Id("prod_8fJ2kq0LxY4m1Nw7pQzR3a"), quantity: Quantity });

export const AddItemsBody = z
  .strictObject({
    product_id: CartItemInput.shape.product_id.optional(),
    quantity: Quantity.optional(),
    items: z.array(CartItemInput).min(1).max(100).optional(),
  })
  .superRefine((body, ctx) => {
    const single = body.product_id !== undefined || body.quantity !== undefined;
    if (single === (body.items !== undefined)) ctx.addIssue({ code: "custom", path: ["items"], message: "Send product_id and quantity, or items" });
    else if (single && (body.product_id === undefined || body.quantity === undefined)) {
      ctx.addIssue({ code: "custom", path: [body.product_id === undefined ? "product_id" : "quantity"], message: "Required" });
    }
  })
  .openapi("AddCartItemsBody", { description: "One item, or `items` (all or nothing: an invalid entry adds nothing and is named)", example: { product_id: "prod_8fJ2kq0LxY4m1Nw7pQzR3a", quantity: 2 } });

export const UpdateItemBody = z.strictObject({ quantity: Quantity }).openapi("UpdateCartItemBody");

export const CreateCartBody = z
  .strictObject({
    store_id: Id("store_8fJ2kq0LxY4m1Nw7pQzR3a").optional().openapi({ description: "Anonymous storefront carts only (no credential): the store's public id" }),
    customer_id: Id("cus_8fJ2kq0LxY4m1Nw7pQzR3a").optional().openapi({ description: "API keys only: open the cart for this customer (closing their previous open cart)" }),
    email: EmailSchema.optional(),
  })
  .openapi("CreateCartBody");

export const PatchCartBody = z
  .strictObject({
    email: EmailSchema.nullable().optional(),
    selected_address_id: z.string().max(64).nullable().optional(),
    selected_payment_method_id: z.string().max(64).nullable().optional(),
  })
  .openapi("PatchCartBody");

export const CartAddressBody = AddressInput.openapi("CartAddressBody");

export const CartPaymentMethodBody = z
  .strictObject({
    type: z.literal("test_card"),
    token: z.string().min(1).max(64).openapi({ example: "tok_visa", description: "A `test_card` token (README lists them)" }),
  })
  .openapi("CartPaymentMethodBody");

export const CartDiscountBody = z.strictObject({ code: z.string().min(1).max(64) }).openapi("CartDiscountBody");

const Money = z.number().int();

export const Cart = z
  .object({
    id: z.string().openapi({ example: "cart_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    customer_id: z.string().nullable(),
    currency: z.string(),
    email: z.string().nullable(),
    items: z.array(
      z.object({
        id: z.string(),
        product_id: z.string(),
        title: z.string(),
        quantity: z.number().int(),
        unit_price_cents: Money,
        line_total_cents: Money,
        available: z.boolean(),
        in_stock: z.number().int(),
      }),
    ),
    discounts: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(["coupon", "gift_card", "voucher"]),
        code: z.string().openapi({ description: "The coupon code, or the gift card's last four as `••••XXXX`" }),
        amount_cents: Money.openapi({ description: "What it takes off now (a gift card: off the amount due)" }),
      }),
    ),
    addresses: z.array(
      z.object({
        id: z.string(),
        name: z.string().nullable(),
        company: z.string().nullable(),
        line1: z.string(),
        line2: z.string().nullable(),
        city: z.string(),
        state: z.string().nullable(),
        postal_code: z.string().nullable(),
        country: z.string(),
        phone: z.string().nullable(),
      }),
    ),
    selected_address_id: z.string().nullable(),
    payment_methods: z.array(z.object({ id: z.string(), type: z.literal("test_card"), brand: z.string(), last4: z.string() })),
    selected_payment_method_id: z.string().nullable(),
    subtotal_cents: Money,
    discount_cents: Money,
    tax_cents: Money,
    shipping_cents: Money,
    total_cents: Money,
    gift_card_cents: Money,
    amount_due_cents: Money,
    is_complete: z.boolean(),
    incomplete_reasons: z.array(z.object({ code: z.string(), field: z.string(), message: z.string() })),
    version: z.number().int(),
    expires_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    links: z.object({ self: z.string(), checkout_url: z.string() }),
  })
  .openapi("Cart");

export const CreatedCart = Cart.extend({
  cart_token: z.string().nullable().openapi({ description: "Anonymous carts: the `ct_` token for storefront calls (shown once)" }),
}).openapi("CreatedCart");
