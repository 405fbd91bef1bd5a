import { sql } from "drizzle-orm";
import type { EventHandler } from "../events";
import { cartItemAdds, dailyEventCounts } from "./analytics.tables";

/** Counts every event per store, UTC day (of the event, not of its delivery) and type. */
export const countDailyEvents: EventHandler = {
  name: "analytics.daily_event_counts",
  async handle(event, { db }) {
    return [
      db
        .insert(dailyEventCounts)
        .values({ storeId: event.store_id, day: event.created_at.slice(0, 10), type: event.type, count: 1 })
        .onConflictDoUpdate({
          target: [dailyEventCounts.storeId, dailyEventCounts.day, dailyEventCounts.type],
          set: { count: sql`${dailyEventCounts.count} + 1` },
        }),
    ];
  },
};

/**
 * Counts one add to cart per store, UTC day of the event and product (`cart.item_added` carries
 * `product_id` and `quantity`). Never mixes stores: the store is part of the key.
 */
export const countCartAdds: EventHandler = {
  name: "analytics.cart_item_adds",
  async handle(event, { db }) {
    const productId = typeof event.data.product_id === "string" ? event.data.product_id : null;
    if (productId === null) return [];
    const quantity = Number.isSafeInteger(event.data.quantity) && (event.data.quantity as number) > 0 ? (event.data.quantity as number) : 1;
    return [
      db
        .insert(cartItemAdds)
        .values({ storeId: event.store_id, day: event.created_at.slice(0, 10), productId, adds: 1, quantity })
        .onConflictDoUpdate({
          target: [cartItemAdds.storeId, cartItemAdds.day, cartItemAdds.productId],
          set: { adds: sql`${cartItemAdds.adds} + 1`, quantity: sql`${cartItemAdds.quantity} + ${quantity}` },
        }),
    ];
  },
};
