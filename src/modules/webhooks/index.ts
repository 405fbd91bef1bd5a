export { consumeWebhookDeliveries, fanOutWebhooks, finishDeadDeliveries, purgeOldDeliveries, requeueStuckDeliveries } from "./webhooks.deliver";
export { webhooksRouter } from "./webhooks.routes";
export { ROTATION_OVERLAP_MS, allowLoopback, assertDeliverableUrl, newWebhookSecret, sealSecret, signingSecrets } from "./webhooks.service";
export { deliveryBackoffSeconds } from "./webhooks.deliver";
export { webhookUrlProblem } from "./webhooks.urls";
