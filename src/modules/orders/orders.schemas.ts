import { z } from "@hono/zod-openapi";
import { AmountCentsSchema, CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";

import { Count, Metadata as SharedMetadata, METADATA_LIMITS, Timestamp, timeRange } from "../../shared/schemas";

export const ORDER_STATUSES = ["draft", "confirmed", "closed", "shipped", "delivered", "canceled"] as const;

export const OrderStatus = z.enum(ORDER_STATUSES).openapi("OrderStatus", {
  description: "draft → confirmed → closed (paid) → shipped → delivered; canceled from draft, confirmed or closed",
});

export const CANCELLATION_REASONS = ["customer", "fraud", "inventory", "declined", "other"] as const;
export const CancellationReason = z.enum(CANCELLATION_REASONS);

export const ORDER_EVENT_TYPES = [
  "order.created",
  "order.updated",
  "order.confirmed",
  "order.closed",
  "order.shipped",
  "order.delivered",
  "order.canceled",
] as const;

export const OrderEventType = z.enum(ORDER_EVENT_TYPES);

/** Stripe-like limits keep every order, and so every event, well under the 128 KB queue message limit. */
export { METADATA_LIMITS };
export const MAX_LINES = 100;
export const MAX_QUANTITY = 10_000;
export const MAX_NOTES_LENGTH = 5_000;
export const MAX_TITLE_LENGTH = 250;

const CustomerId = z
  .string()
  .regex(/^cus_[0-9A-Za-z]{1,60}$/, "Must be a customer id (cus_...)")
  .openapi({ example: "cus_5Tg8Lm2Qx9Rb4Kc7Vn1Hd3" });

const ProductId = z
  .string()
  .regex(/^prod_[0-9A-Za-z]{1,60}$/, "Must be a product id (prod_...)")
  .openapi({ example: "prod_1Ab2Cd3Ef4Gh5Ij6Kl7Mn8" });

const MetadataKey = z.string().min(1).max(METADATA_LIMITS.keyLength);

export const Metadata = SharedMetadata;

/** PATCH metadata: keys merge into the current map; a null value removes its key. */
export const MetadataPatch = z
  .record(MetadataKey, z.string().max(METADATA_LIMITS.valueLength).nullable())
  .refine((value) => Object.keys(value).length <= METADATA_LIMITS.keys, {
    message: `At most ${METADATA_LIMITS.keys} keys`,
  })
  .openapi({ description: "Merged into the current metadata; a null value removes the key", example: { gift: "yes" } });

export const LineInput = z
  .strictObject({
    product_id: ProductId,
    title: z.string().trim().min(1).max(MAX_TITLE_LENGTH).optional(),
    quantity: z.number().int().min(1).max(MAX_QUANTITY).openapi({ example: 2 }),
    unit_price_cents: AmountCentsSchema,
  })
  .openapi("OrderLineInput");

const Lines = z.array(LineInput).max(MAX_LINES);
const Notes = z.string().max(MAX_NOTES_LENGTH);

export const CreateOrderBody = z
  .strictObject({
    customer_id: CustomerId.nullable().optional(),
    currency: CurrencySchema.optional().openapi({ description: "Defaults to the store's currency" }),
    lines: Lines.default([]),
    notes: Notes.nullable().optional(),
    metadata: Metadata.optional(),
  })
  .openapi("CreateOrderBody", {
    example: {
      customer_id: "cus_5Tg8Lm2Qx9Rb4Kc7Vn1Hd3",
      currency: "USD",
      lines: [{ product_id: "prod_1Ab2Cd3Ef4Gh5Ij6Kl7Mn8", title: "Espresso beans 1 kg", quantity: 2, unit_price_cents: 2450 }],
      notes: "Leave at the back door",
      metadata: { channel: "pos" },
    },
  });

export const UpdateOrderBody = z
  .strictObject({
    customer_id: CustomerId.nullable().optional(),
    currency: CurrencySchema.optional(),
    lines: Lines.optional().openapi({ description: "Replaces every line" }),
    notes: Notes.nullable().optional(),
    metadata: MetadataPatch.nullable().optional().openapi({ description: "Merged; null clears all metadata" }),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: "Send at least one field to change",
  })
  .openapi("UpdateOrderBody", { example: { notes: "Ring twice" } });

export const TransitionBody = z.strictObject({}).openapi("OrderTransitionBody");

export const CancelOrderBody = z
  .strictObject({ cancellation_reason: CancellationReason.optional() })
  .openapi("CancelOrderBody", { example: { cancellation_reason: "customer" } });

export const OrderLine = z
  .object({
    id: z.string().openapi({ example: "oli_9Zx8Yw7Vu6Ts5Rq4Po3Nm2" }),
    product_id: z.string(),
    title: z.string().nullable(),
    quantity: z.number().int(),
    unit_price_cents: z.number().int(),
    total_cents: z.number().int(),
  })
  .openapi("OrderLine");

export const Order = z
  .object({
    id: z.string().openapi({ example: "ord_3Fq9Lk2Mx7Vb1Nc8Zr4Td6" }),
    status: OrderStatus,
    customer_id: z.string().nullable(),
    currency: z.string().openapi({ example: "USD" }),
    lines: z.array(OrderLine),
    subtotal_cents: z.number().int(),
    total_cents: z.number().int().openapi({ description: "Fixed once the order is confirmed" }),
    notes: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    cancellation_reason: CancellationReason.nullable(),
    version: z.number().int().openapi({ example: 1, description: "Also the ETag; send it as If-Match" }),
    created_at: Timestamp,
    updated_at: Timestamp,
    confirmed_at: Timestamp.nullable(),
    closed_at: Timestamp.nullable().openapi({ description: "When the order was closed (paid)" }),
    shipped_at: Timestamp.nullable(),
    delivered_at: Timestamp.nullable(),
    canceled_at: Timestamp.nullable(),
  })
  .openapi("Order");

export type OrderStatus = z.infer<typeof OrderStatus>;
export type OrderLine = z.infer<typeof OrderLine>;
export type Order = z.infer<typeof Order>;
export type OrderEventType = z.infer<typeof OrderEventType>;
export type CancellationReason = z.infer<typeof CancellationReason>;
export type CreateOrderInput = z.output<typeof CreateOrderBody>;
export type UpdateOrderInput = z.output<typeof UpdateOrderBody>;
export type LineInput = z.output<typeof LineInput>;

/**
 * The outbox event envelope, the body of every `order-events` queue message. Consumers parse it with
 * this schema (messages outlive deploys) and dedupe on `id` or on `data.order.version`.
 */
export const OrderEvent = z
  .object({
    id: z.string().regex(/^evt_/).openapi({ example: "evt_7Hj2Kl9Mn4Pq1Rs8Tu3Vw6" }),
    type: OrderEventType,
    created_at: Timestamp,
    store_id: z.string().min(1),
    data: z.object({ order: Order }),
  })
  .openapi("OrderEvent");

export type OrderEvent = z.infer<typeof OrderEvent>;

const filterFields = {
  status: OrderStatus.optional().openapi({ param: { name: "status", in: "query" } }),
  ...timeRange("created", "orders created"),
  ...timeRange("shipped", "orders shipped"),
  ...timeRange("delivered", "orders delivered"),
  ...timeRange("canceled", "orders canceled"),
};

const customerFilter = { customer_id: CustomerId.optional().openapi({ param: { name: "customer_id", in: "query" } }) };

export const OrderFiltersQuery = z.object({ ...filterFields, ...customerFilter });
export const ListOrdersQuery = PageQuerySchema.extend({ ...filterFields, ...customerFilter });
export const ListCustomerOrdersQuery = PageQuerySchema.extend(filterFields);

export type OrderFilters = z.output<typeof OrderFiltersQuery>;

export const OrderPage = pageSchema(Order, "OrderPage");

export const OrderCount = Count;
