import { sql } from "drizzle-orm";
import type { EventHandler } from "../events";
import { dailyEventCounts } from "./analytics.tables";

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
