import { z } from "@hono/zod-openapi";
import { AmountCentsSchema, CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";

import { Count, Metadata as SharedMetadata, METADATA_LIMITS, Timestamp, timeRange } from "../../shared/schemas";

export const ORDER_STATUSES = ["draft", "confirmed", "closed", "shipped", "delivered", "canceled"] as const;

export const OrderStatus = z.enum(ORDER_STATUSES).openapi("OrderStatus", {
  description: "draft → confirmed → closed (paid) → shipped → delivered; canceled from draft, confirmed or closed",
});

export const CANCELLATION_REASONS = ["customer", "fraud", "inventory", "declined", "expired", "other"] as const;
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

const CATALOG_LINE_FIELDS = "is priced from the catalog: send only product_id and quantity (or omit product_id for a custom line)";

/**
 * A catalog line names a product (`product_id`, `quantity`): title and unit price are snapshot from the
 * catalog server-side, and a price or title sent with it is refused (400) rather than silently ignored.
 * A custom line has no `product_id` and carries its own `title` and `unit_price_cents`.
 */
export const LineInput = z
  .strictObject({
    product_id: ProductId.optional().openapi({ description: "A catalog product of this store; omit for a custom line" }),
    title: z.string().trim().min(1).max(MAX_TITLE_LENGTH).optional().openapi({ description: "Custom lines only (required there)" }),
    quantity: z.number().int().min(1).max(MAX_QUANTITY).openapi({ example: 2 }),
    unit_price_cents: AmountCentsSchema.optional().openapi({ description: "Custom lines only (required there)" }),
  })
  .superRefine((line, ctx) => {
    if (line.product_id !== undefined) {
      for (const field of ["title", "unit_price_cents"] as const) {
        if (line[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: `A catalog line ${CATALOG_LINE_FIELDS}` });
      }
      return;
    }
    for (const field of ["title", "unit_price_cents"] as const) {
      if (line[field] === undefined) ctx.addIssue({ code: "custom", path: [field], message: "A custom line (no product_id) needs a title and a unit_price_cents" });
    }
  })
  .openapi("OrderLineInput", {
    description:
      "A catalog line sends `product_id` and `quantity`: title and unit price are snapshot from the store's catalog when the line is priced (a product of another store, deleted or unknown: 422 `product_not_found`; priced in another currency than the order: 422 `currency_mismatch`); sending `title` or `unit_price_cents` with it is a 400. A custom line (no `product_id`) sends its own `title` and `unit_price_cents` and comes back with `custom: true`.",
  });

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
      lines: [
        { product_id: "prod_1Ab2Cd3Ef4Gh5Ij6Kl7Mn8", quantity: 2 },
        { title: "Gift wrapping", quantity: 1, unit_price_cents: 300 },
      ],
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
    product_id: z.string().nullable().openapi({ description: "The catalog product; null on a custom line" }),
    title: z.string().nullable().openapi({ description: "Snapshot of the product's title when the line was priced (catalog lines)" }),
    custom: z.boolean().default(false).openapi({ description: "True for a custom line (client-priced, no catalog product)" }),
    quantity: z.number().int(),
    unit_price_cents: z.number().int().openapi({ description: "Snapshot of the catalog price (catalog lines) or the client's price (custom lines)" }),
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

/** A line after the Worker priced it: catalog lines carry the product's title, price and currency. */
export interface PricedLineInput {
  product_id: string | null;
  title?: string | null | undefined;
  quantity: number;
  unit_price_cents: number;
  /** Absent from Workers older than custom lines: such lines are catalog lines. */
  custom?: boolean | undefined;
  /** The catalog product's currency (absent or null on custom lines); must match the order's. */
  currency?: string | null | undefined;
}

export type PricedCreateOrderInput = Omit<CreateOrderInput, "lines"> & { lines: PricedLineInput[] };
export type PricedUpdateOrderInput = Omit<UpdateOrderInput, "lines"> & { lines?: PricedLineInput[] | undefined };

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
