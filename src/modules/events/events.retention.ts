import { inArray, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { EVENT_RETENTION_DAYS } from "./events.api";
import { events, handledEvents } from "./events.tables";

const PURGE_BATCH = 500;

/** Deletes events (and their handler bookkeeping) older than the retention, at most `limit` per run. */
export async function purgeOldEvents(db: Db, now: Date, limit = 5_000): Promise<number> {
  const cutoff = new Date(now.getTime() - EVENT_RETENTION_DAYS * 86_400_000).toISOString();
  let purged = 0;
  while (purged < limit) {
    const old = await db.select({ id: events.id }).from(events).where(lt(events.createdAt, cutoff)).limit(PURGE_BATCH);
    if (old.length === 0) break;
    const ids = old.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      await db.batch([db.delete(handledEvents).where(inArray(handledEvents.eventId, chunk)), db.delete(events).where(inArray(events.id, chunk))]);
    }
    purged += ids.length;
  }
  return purged;
}
