import { sql } from "drizzle-orm";
import { chunkForParams } from "../../shared/d1";
import type { EventHandler } from "../events";
import { cartItemAdds, dailyEventCounts, salesDaily } from "./analytics.tables";

/** Counts every event per store, UTC day (of the event, not of its delivery) and type. */
export const countDailyEvents: EventHandler = {
  name: "analytics.daily_event_counts",
  async handle(event, deps) {
    return countDailyEvents.handleMany!([event], deps);
  },
  /** One upsert per (store, day, type) of the batch, each adding its count. */
  async handleMany(list, { db }) {
    const counts = new Map<string, { storeId: string; day: string; type: string; count: number }>();
    for (const event of list) {
      const day = event.created_at.slice(0, 10);
      const key = `${event.store_id}\n${day}\n${event.type}`;
      const row = counts.get(key);
      if (row) row.count += 1;
      else counts.set(key, { storeId: event.store_id, day, type: event.type, count: 1 });
    }
    return chunkForParams([...counts.values()], 4).map((rows) =>
      db
        .insert(dailyEventCounts)
        .values(rows)
        .onConflictDoUpdate({
          target: [dailyEventCounts.storeId, dailyEventCounts.day, dailyEventCounts.type],
          set: { count: sql`${dailyEventCounts.count} + excluded.count` },
        }),
    );
  },
};

/**
 * Counts one add to cart per store, UTC day of the event and product (`cart.item_added` carries
 * `product_id` and `quantity`). Never mixes stores: the store is part of the key.
 */
export const countCartAdds: EventHandler = {
  name: "analytics.cart_item_adds",
  async handle(event, deps) {
    return countCartAdds.handleMany!([event], deps);
  },
  /** One upsert per (store, day, product) of the batch, adding its adds and quantities. */
  async handleMany(list, { db }) {
    const sums = new Map<string, { storeId: string; day: string; productId: string; adds: number; quantity: number }>();
    for (const event of list) {
      const productId = typeof event.data.product_id === "string" ? event.data.product_id : null;
      if (productId === null) continue;
      const quantity = Number.isSafeInteger(event.data.quantity) && (event.data.quantity as number) > 0 ? (event.data.quantity as number) : 1;
      const day = event.created_at.slice(0, 10);
      const key = `${event.store_id}\n${day}\n${productId}`;
      const row = sums.get(key);
      if (row) {
        row.adds += 1;
        row.quantity += quantity;
      } else sums.set(key, { storeId: event.store_id, day, productId, adds: 1, quantity });
    }
    return chunkForParams([...sums.values()], 5).map((rows) =>
      db
        .insert(cartItemAdds)
        .values(rows)
        .onConflictDoUpdate({
          target: [cartItemAdds.storeId, cartItemAdds.day, cartItemAdds.productId],
          set: { adds: sql`${cartItemAdds.adds} + excluded.adds`, quantity: sql`${cartItemAdds.quantity} + excluded.quantity` },
        }),
    );
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
