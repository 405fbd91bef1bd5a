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
