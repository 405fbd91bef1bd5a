import type { Bindings } from "./context";
import { EVENT_HANDLERS } from "./bus";
import { consumeCouponRealization, finishDeadRealizations } from "./modules/campaigns";
import { consumeEmailOutbox, finishDeadEmails } from "./modules/customers";
import { deadLetterConsumer, eventsConsumer } from "./modules/events";
import { orderEventsConsumer } from "./modules/orders";
import { consumeWebhookDeliveries, finishDeadDeliveries } from "./modules/webhooks";

type Consumer = (batch: MessageBatch<unknown>, env: Bindings, ctx: ExecutionContext) => Promise<void>;

/**
 * Queue name (as configured in wrangler.toml `[[queues.consumers]]`) to the module consumer that
 * handles it. An environment that renames a queue adds its name here.
 */
export const QUEUES: Record<string, Consumer> = {
  events: eventsConsumer(EVENT_HANDLERS),
  "events-dlq": deadLetterConsumer(),
  "email-outbox": consumeEmailOutbox,
  "email-outbox-dlq": finishDeadEmails,
  "order-events": orderEventsConsumer(EVENT_HANDLERS),
  "order-events-dlq": deadLetterConsumer(),
  "webhook-deliveries": consumeWebhookDeliveries,
  "webhook-deliveries-dlq": finishDeadDeliveries,
  "coupon-realization": consumeCouponRealization,
  "coupon-realization-dlq": finishDeadRealizations,
};

export async function runQueue(batch: MessageBatch<unknown>, env: Bindings, ctx: ExecutionContext): Promise<void> {
  const consumer = QUEUES[batch.queue];
  if (!consumer) throw new Error(`No consumer for queue "${batch.queue}"`);
  await consumer(batch, env, ctx);
}
