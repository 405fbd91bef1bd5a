import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Events per store, UTC day and type, kept by a bus handler (the base of the sales rollups). */
export const dailyEventCounts = sqliteTable(
  "daily_event_counts",
  {
    storeId: text("store_id").notNull(),
    day: text("day").notNull(),
    type: text("type").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.day, t.type] })],
);
