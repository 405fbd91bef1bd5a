import { z } from "@hono/zod-openapi";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { Timestamp, timeRange } from "../../shared/schemas";

export const CheckoutResult = z
  .object({
    order_id: z.string().openapi({ example: "ord_3Fq9Lk2Mx7Vb1Nc8Zr4Td6" }),
    invoice_id: z.string().openapi({ example: "inv_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    order_url: z.string().openapi({ example: "/v1/orders/ord_3Fq9Lk2Mx7Vb1Nc8Zr4Td6" }),
    invoice_url: z.string(),
    payment_status: z.enum(["paid", "pending_payment"]).openapi({
      description: "`paid`: the order is `closed` (paid); `pending_payment`: the provider settles later by webhook, the order is `confirmed` until then",
    }),
  })
  .openapi("CheckoutResult");

export const InvoiceState = z.enum(["open", "collected", "failed", "partially_refunded", "refunded"]).openapi({
  description: "`open` billed, not yet paid; `collected` paid; `failed` the payment failed and everything was given back; `partially_refunded`, `refunded`",
});

export const InvoiceLine = z
  .object({
    id: z.string(),
    kind: z.enum(["item", "discount", "tax", "shipping"]),
    product_id: z.string().nullable(),
    title: z.string(),
    quantity: z.number().int(),
    unit_price_cents: z.number().int(),
    amount_cents: z.number().int().openapi({ description: "Negative for the discount line" }),
    refunded_cents: z.number().int(),
    restocked_quantity: z.number().int(),
  })
  .openapi("InvoiceLine");

export const Invoice = z
  .object({
    id: z.string().openapi({ example: "inv_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    state: InvoiceState,
    customer_id: z.string().nullable(),
    cart_id: z.string().nullable(),
    order_id: z.string().nullable(),
    email: z.string().nullable(),
    currency: z.string(),
    subtotal_cents: z.number().int(),
    discount_cents: z.number().int(),
    tax_cents: z.number().int(),
    shipping_cents: z.number().int(),
    total_cents: z.number().int(),
    paid_by: z
      .object({ gift_card_cents: z.number().int(), credit_cents: z.number().int(), payment_cents: z.number().int() })
      .openapi({ description: "How the total was paid: gift cards, store credit, and the payment provider" }),
    refunded_cents: z.number().int(),
    coupon_code: z.string().nullable(),
    payment: z
      .object({ method: z.string().nullable(), brand: z.string().nullable(), last4: z.string().nullable(), status: z.enum(["none", "pending", "succeeded", "declined"]), charge_id: z.string().nullable(), failure_message: z.string().nullable() })
      .openapi({ description: "The provider part; `none` when nothing was due" }),
    version: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
    collected_at: Timestamp.nullable(),
    failed_at: Timestamp.nullable(),
  })
  .openapi("Invoice");

export const Refund = z
  .object({
    id: z.string().openapi({ example: "rf_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    invoice_id: z.string(),
    amount_cents: z.number().int(),
    destination: z.enum(["original", "store_credit"]),
    to: z.object({ payment_cents: z.number().int(), gift_card_cents: z.number().int(), credit_cents: z.number().int(), store_credit_cents: z.number().int() }),
    lines: z.array(z.object({ line_id: z.string(), amount_cents: z.number().int(), restock_quantity: z.number().int() })),
    reason: z.string().nullable(),
    status: z.enum(["pending", "succeeded", "failed"]).openapi({ description: "`pending` until the provider refunded the payment part" }),
    failure_message: z.string().nullable(),
    created_at: Timestamp,
  })
  .openapi("Refund");

export const InvoiceDetail = Invoice.extend({ lines: z.array(InvoiceLine), refunds: z.array(Refund) }).openapi("InvoiceDetail");
export const InvoicePage = pageSchema(Invoice, "InvoicePage");
export const RefundPage = pageSchema(Refund, "RefundPage");

export const InvoiceListQuery = PageQuerySchema.extend({
  state: InvoiceState.optional().openapi({ param: { name: "state", in: "query" } }),
  customer_id: z.string().max(64).optional().openapi({ param: { name: "customer_id", in: "query" } }),
  ...timeRange("created", "invoices created"),
});

export const CustomerInvoiceQuery = PageQuerySchema.extend({ state: InvoiceState.optional().openapi({ param: { name: "state", in: "query" } }) });

export const FailInvoiceBody = z.strictObject({ message: z.string().trim().min(1).max(500).optional() }).openapi("FailInvoiceBody");

export const CreateRefundBody = z
  .strictObject({
    amount_cents: z.number().int().min(1).optional().openapi({ description: "A free amount; leave out with no `lines` for a full refund of what is left" }),
    lines: z
      .array(z.strictObject({ line_id: z.string().min(1).max(80), amount_cents: z.number().int().min(1).optional().openapi({ description: "Default: what is left of the line" }), restock_quantity: z.number().int().min(0).optional() }))
      .min(1)
      .max(100)
      .optional(),
    destination: z.enum(["original", "store_credit"]).optional().openapi({ description: "`original` (default): back to the card, gift cards and credit it came from; `store_credit`: all of it as store credit (customers only)" }),
    restock: z.boolean().optional().openapi({ description: "Put refunded item lines back in stock (their whole quantity unless `restock_quantity` says otherwise)" }),
    reason: z.string().trim().max(500).optional(),
  })
  .refine((b) => !(b.amount_cents !== undefined && b.lines !== undefined), { message: "Either amount_cents or lines, not both", path: ["amount_cents"] })
  .openapi("CreateRefundBody");
