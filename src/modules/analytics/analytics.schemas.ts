import { z } from "@hono/zod-openapi";

export const TopCartItemsQuery = z.object({
  n: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .openapi({ param: { name: "n", in: "query" }, type: "integer", minimum: 1, maximum: 100, default: 10, description: "How many products, 1-100" }),
  date: z.iso
    .date()
    .optional()
    .openapi({ param: { name: "date", in: "query" }, type: "string", format: "date", example: "2026-12-02", description: "The UTC day; default today" }),
});

export const TopCartItems = z
  .object({
    date: z.string().openapi({ example: "2026-12-02" }),
    items: z.array(
      z.object({
        product_id: z.string().openapi({ example: "prod_8fJ2kq0LxY4m1Nw7pQzR3a" }),
        adds: z.number().int().openapi({ description: "Times it was added to a cart that day" }),
        quantity: z.number().int().openapi({ description: "Units added that day" }),
      }),
    ),
  })
  .openapi("TopCartItems");

const Day = (name: string, description: string) =>
  z.iso.date().openapi({ param: { name, in: "query" }, type: "string", format: "date", example: "2026-12-01", description });

export const SalesQuery = z
  .object({
    from: Day("from", "First UTC day, inclusive"),
    to: Day("to", "Last UTC day, inclusive (at most 366 days after `from`)"),
    interval: z.enum(["day", "week", "month"]).default("day").openapi({ param: { name: "interval", in: "query" }, description: "Weeks start on Monday; months on the 1st" }),
  })
  .refine((q) => q.from <= q.to, { message: "`from` must not be after `to`", path: ["to"] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { message: "At most 366 days", path: ["to"] });

const CurrencySales = z.object({
  currency: z.string().openapi({ example: "USD" }),
  orders: z.number().int().openapi({ description: "Invoices collected" }),
  revenue_cents: z.number().int().openapi({ description: "Their totals (after discounts, with tax and shipping), before refunds" }),
  average_order_cents: z.number().int().openapi({ description: "revenue / orders, rounded down" }),
  refunds: z.number().int(),
  refunds_cents: z.number().int(),
  net_revenue_cents: z.number().int(),
  discounts_cents: z.number().int(),
  gift_card_cents: z.number().int(),
  credit_cents: z.number().int(),
});

export const SalesReport = z
  .object({
    from: z.string(),
    to: z.string(),
    interval: z.enum(["day", "week", "month"]),
    intervals: z.array(z.object({ start: z.string().openapi({ example: "2026-12-01" }), new_customers: z.number().int(), currencies: z.array(CurrencySales) })),
  })
  .openapi("SalesReport");
