import { and, eq, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { nowIso } from "../../shared/time";
import { type EventHandler, type EventMessage, appendEventStatements, newEvent, publishEvents } from "../events";
import { compensate } from "./billing.checkout";
import { collectedEventData, followOrder } from "./billing.service";
import { invoices } from "./billing.tables";

/**
 * A pending payment settled by the provider's webhook (`payment.succeeded` / `payment.failed`): the
 * invoice waiting on that charge is collected and its order closed (paid), or everything the checkout
 * took is given back and the order canceled (`declined`). Guarded on the invoice being `open`, so a
 * replayed event, a race with a manual collect, or the cron sweep changes it once.
 */
export async function settleInvoiceForCharge(db: Db, env: Pick<Bindings, "EVENTS" | "ORDER_STREAM">, storeId: string, chargeId: string, outcome: "succeeded" | "failed", message: string | null) {
  const [invoice] = await db.select().from(invoices).where(and(eq(invoices.storeId, storeId), eq(invoices.chargeId, chargeId))).limit(1);
  if (!invoice) return;
  const defer = (p: Promise<unknown>) => void p.catch(() => undefined);
  if (outcome === "succeeded") {
    if (invoice.state === "open") {
      const now = nowIso();
      const events = [newEvent(storeId, { type: "invoice.collected", resource_type: "invoice", resource_id: invoice.id, data: collectedEventData(invoice, { charge_id: chargeId }) })];
      try {
        await db.batch([
          batchable(db.$client, db.run(sql`UPDATE invoices SET state = 'collected', payment_status = 'succeeded', collected_at = ${now}, updated_at = ${now}, version = version + 1 WHERE id = ${invoice.id} AND state = 'open'`)),
          changedOneRow(db),
          ...appendEventStatements(db, events),
        ] as unknown as Parameters<Db["batch"]>[0]);
        defer(publishEvents(env.EVENTS as Queue<EventMessage>, events));
      } catch (error) {
        if (!isBatchGuardFailure(error)) throw error;
      }
    }
    await followOrder(env, invoice, "close");
    return;
  }
  await compensate(db, env.EVENTS as Queue<EventMessage>, storeId, invoice.id, message ?? "The payment failed", defer);
  await followOrder(env, invoice, "cancel");
}

export const settleInvoicePayments: EventHandler = {
  name: "billing.settle_payments",
  async handle() {
    return [];
  },
  async after(events, { db, env }) {
    for (const event of events) {
      const data = event.data as { charge_id?: string; message?: string | null };
      if (!data.charge_id) continue;
      await settleInvoiceForCharge(db, env, event.store_id, data.charge_id, event.type === "payment.succeeded" ? "succeeded" : "failed", data.message ?? null);
    }
  },
};
