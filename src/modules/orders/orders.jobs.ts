import { and, isNotNull, isNull } from "drizzle-orm";
import type { Bindings } from "../../context";
import { createDb } from "../../db/client";
import { stores } from "../../db/schema";
import { orderStream } from "./orders.stream";

/** Cron: in every store with a `draft_expiry_days` setting, cancel (reason `expired`) drafts older than it. */
export async function expireOldDrafts(env: Pick<Bindings, "DB" | "ORDER_STREAM">, now = new Date()): Promise<{ expired: number }> {
  const db = createDb(env.DB);
  const withSetting = await db
    .select({ id: stores.id, days: stores.draftExpiryDays })
    .from(stores)
    .where(and(isNotNull(stores.draftExpiryDays), isNull(stores.deletedAt)));
  let expired = 0;
  for (const store of withSetting) {
    const cutoff = new Date(now.getTime() - store.days! * 86_400_000).toISOString();
    expired += await orderStream(env, store.id).expireDrafts(store.id, cutoff);
  }
  return { expired };
}
