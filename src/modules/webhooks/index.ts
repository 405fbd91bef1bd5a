export { consumeWebhookDeliveries, fanOutWebhooks, finishDeadDeliveries, purgeOldDeliveries, requeueStuckDeliveries } from "./webhooks.deliver";
export { webhooksRouter } from "./webhooks.routes";
