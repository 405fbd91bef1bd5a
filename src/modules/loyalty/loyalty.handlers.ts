import type { EventHandler } from "../events";
import { earning, programAt, reversal, stampsFor } from "./loyalty.earn";

interface OrderSnapshot {
  id: string;
  status: string;
  customer_id: string | null;
  closed_at: string | null;
  delivered_at: string | null;
  canceled_at: string | null;
  lines: Array<{ product_id: string | null; quantity: number; custom?: boolean }>;
}

/**
 * Loyalty on the bus: every order event carries the whole order, so any of them (in any order, any
 * number of times) can earn it once it is paid (or delivered, per the program in force when it was
 * paid), and `order.canceled` reverses it. Exactly once per order is the ledger's unique
 * (order, kind); the bus applies each (handler, event) once on top.
 */
export const earnStamps: EventHandler = {
  name: "loyalty.earn",
  async handle(event, { db }) {
    const order = (event.data as { order?: OrderSnapshot }).order;
    if (!order || !order.customer_id) return [];
    if (event.type === "order.canceled" || order.status === "canceled") return order.closed_at ? reversal(db, event.store_id, order.customer_id, order.id) : [];
    if (!order.closed_at) return [];
    const program = await programAt(db, event.store_id, order.closed_at);
    if (!program || !program.enabled) return [];
    if (program.earnOn === "order_delivered" && !order.delivered_at) return [];
    const stamps = await stampsFor(db, event.store_id, program, order);
    if (stamps <= 0) return [];
    return earning(db, event.store_id, order.customer_id, order.id, stamps, program);
  },
};
