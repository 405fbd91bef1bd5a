export { consumeWebhookDeliveries, fanOutWebhooks, finishDeadDeliveries, requeueStuckDeliveries } from "./webhooks.deliver";
export { webhooksRouter } from "./webhooks.routes";
