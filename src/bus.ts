import { countCartAdds, countDailyEvents, rollUpSales } from "./modules/analytics";
import { settleInvoicePayments } from "./modules/billing";
import { earnStamps } from "./modules/loyalty";
import type { HandlerTable } from "./modules/events";
import { fanOutWebhooks } from "./modules/webhooks";

/**
 * Event type (or "*" for every type) to the module handlers the bus runs for it. Loyalty, webhook
 * fan-out and analytics register here; each handler is applied at most once per event.
 */
export const EVENT_HANDLERS: HandlerTable = {
  "*": [countDailyEvents, fanOutWebhooks],
  "cart.item_added": [countCartAdds],
  "invoice.collected": [rollUpSales],
  "refund.created": [rollUpSales],
  "customer.created": [rollUpSales],
  "order.created": [earnStamps],
  "order.closed": [earnStamps],
  "order.shipped": [earnStamps],
  "order.delivered": [earnStamps],
  "order.canceled": [earnStamps],
  "payment.succeeded": [settleInvoicePayments],
  "payment.failed": [settleInvoicePayments],
};
