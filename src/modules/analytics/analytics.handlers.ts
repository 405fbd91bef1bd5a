import { sql } from "drizzle-orm";
import type { EventHandler } from "../events";
import { cartItemAdds, dailyEventCounts, salesDaily } from "./analytics.tables";

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

const cents = (value: unknown) => (Number.isSafeInteger(value) ? (value as number) : 0);

/**
 * The sales rollups: one upsert per event into (store, UTC day of the event, currency). The bus
 * applies each (handler, event) once, so a redelivered event never counts twice.
 */
export const rollUpSales: EventHandler = {
  name: "analytics.sales_daily",
  async handle(event, { db }) {
    const day = event.created_at.slice(0, 10);
    const data = event.data as Record<string, unknown>;
    const zero = { orders: 0, revenueCents: 0, discountCents: 0, refundsCents: 0, refunds: 0, giftCardCents: 0, creditCents: 0, newCustomers: 0 };
    let row: typeof zero & { currency: string };
    if (event.type === "invoice.collected" && typeof data.currency === "string") {
      row = { ...zero, currency: data.currency, orders: 1, revenueCents: cents(data.total_cents), discountCents: cents(data.discount_cents), giftCardCents: cents(data.gift_card_cents), creditCents: cents(data.credit_cents) };
    } else if (event.type === "refund.created" && typeof data.currency === "string") {
      row = { ...zero, currency: data.currency, refunds: 1, refundsCents: cents(data.amount_cents) };
    } else if (event.type === "customer.created") {
      row = { ...zero, currency: "", newCustomers: 1 };
    } else {
      return [];
    }
    return [
      db
        .insert(salesDaily)
        .values({ storeId: event.store_id, day, ...row })
        .onConflictDoUpdate({
          target: [salesDaily.storeId, salesDaily.day, salesDaily.currency],
          set: {
            orders: sql`${salesDaily.orders} + ${row.orders}`,
            revenueCents: sql`${salesDaily.revenueCents} + ${row.revenueCents}`,
            discountCents: sql`${salesDaily.discountCents} + ${row.discountCents}`,
            refundsCents: sql`${salesDaily.refundsCents} + ${row.refundsCents}`,
            refunds: sql`${salesDaily.refunds} + ${row.refunds}`,
            giftCardCents: sql`${salesDaily.giftCardCents} + ${row.giftCardCents}`,
            creditCents: sql`${salesDaily.creditCents} + ${row.creditCents}`,
            newCustomers: sql`${salesDaily.newCustomers} + ${row.newCustomers}`,
          },
        }),
    ];
  },
};
