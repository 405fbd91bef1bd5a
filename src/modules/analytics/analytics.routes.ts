import { and, asc, desc, eq } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { createRouter, jsonContent } from "../../shared/openapi";
import { storeRoute } from "../stores";
import { TopCartItems, TopCartItemsQuery } from "./analytics.schemas";
import { cartItemAdds } from "./analytics.tables";

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

export const analyticsRouter = createRouter<AppEnv>().openapi(topCartItemsRoute, async (c) => {
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
