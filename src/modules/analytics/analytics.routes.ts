import type { z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gte, lte, sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { createRouter, jsonContent } from "../../shared/openapi";
import { storeRoute } from "../stores";
import { SalesQuery, SalesReport, TopCartItems, TopCartItemsQuery } from "./analytics.schemas";
import { cartItemAdds, salesDaily } from "./analytics.tables";

const tags = ["Analytics"];

const topCartItemsRoute = storeRoute({
  operationId: "getTopCartItems",
  method: "get",
  path: "/v1/analytics/top-cart-items",
  tags,
  summary: "The products most added to carts on a day",
  description:
    "Counted by a bus handler from `cart.item_added`, exactly once per event, per store and UTC day (the event's time). Most adds first, ties by product id; a day without data is an empty list.",
  request: { query: TopCartItemsQuery },
  responses: { 200: jsonContent(TopCartItems, "The top products of the day") },
});

const salesRoute = storeRoute({
  operationId: "getSales",
  method: "get",
  path: "/v1/analytics/sales",
  tags,
  summary: "Sales per day, week or month, per currency",
  description:
    "Orders (invoices collected), revenue, average order value, refunds, discounts given, gift card and store credit used, and new customers, from rollups a bus handler keeps per store, UTC day and currency (never by scanning orders). Days without activity are left out.",
  request: { query: SalesQuery },
  responses: { 200: jsonContent(SalesReport, "The report") },
});

export const analyticsRouter = createRouter<AppEnv>()
  .openapi(salesRoute, async (c) => {
    const { from, to, interval } = c.req.valid("query");
    const start =
      interval === "day" ? sql<string>`${salesDaily.day}` : interval === "week" ? sql<string>`date(${salesDaily.day}, '-6 days', 'weekday 1')` : sql<string>`substr(${salesDaily.day}, 1, 7) || '-01'`;
    const rows = await c.var.db
      .select({
        start: start.as("start"),
        currency: salesDaily.currency,
        orders: sql<number>`sum(${salesDaily.orders})`,
        revenue: sql<number>`sum(${salesDaily.revenueCents})`,
        discounts: sql<number>`sum(${salesDaily.discountCents})`,
        refunds: sql<number>`sum(${salesDaily.refunds})`,
        refundsCents: sql<number>`sum(${salesDaily.refundsCents})`,
        giftCards: sql<number>`sum(${salesDaily.giftCardCents})`,
        credit: sql<number>`sum(${salesDaily.creditCents})`,
        newCustomers: sql<number>`sum(${salesDaily.newCustomers})`,
      })
      .from(salesDaily)
      .where(and(eq(salesDaily.storeId, c.var.principal.storeId), gte(salesDaily.day, from), lte(salesDaily.day, to)))
      .groupBy(sql`start`, salesDaily.currency)
      .orderBy(sql`start`, salesDaily.currency);
    const intervals = new Map<string, { start: string; new_customers: number; currencies: Array<z.infer<typeof SalesReport>["intervals"][number]["currencies"][number]> }>();
    for (const row of rows) {
      const bucket = intervals.get(row.start) ?? { start: row.start, new_customers: 0, currencies: [] };
      intervals.set(row.start, bucket);
      if (row.currency === "") {
        bucket.new_customers += Number(row.newCustomers);
        continue;
      }
      const orders = Number(row.orders);
      const revenue = Number(row.revenue);
      bucket.currencies.push({
        currency: row.currency,
        orders,
        revenue_cents: revenue,
        average_order_cents: orders > 0 ? Math.floor(revenue / orders) : 0,
        refunds: Number(row.refunds),
        refunds_cents: Number(row.refundsCents),
        net_revenue_cents: revenue - Number(row.refundsCents),
        discounts_cents: Number(row.discounts),
        gift_card_cents: Number(row.giftCards),
        credit_cents: Number(row.credit),
      });
    }
    return c.json({ from, to, interval, intervals: [...intervals.values()] }, 200);
  })
  .openapi(topCartItemsRoute, async (c) => {
  const { n, date } = c.req.valid("query");
  const day = date ?? new Date().toISOString().slice(0, 10);
  const rows = await c.var.db
    .select({ product_id: cartItemAdds.productId, adds: cartItemAdds.adds, quantity: cartItemAdds.quantity })
    .from(cartItemAdds)
    .where(and(eq(cartItemAdds.storeId, c.var.principal.storeId), eq(cartItemAdds.day, day)))
    .orderBy(desc(cartItemAdds.adds), asc(cartItemAdds.productId))
    .limit(n);
  return c.json({ date: day, items: rows }, 200);
});
