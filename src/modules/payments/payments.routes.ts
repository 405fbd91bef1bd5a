import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter, jsonContent, publicRoute } from "../../shared/openapi";
import { storeRoute } from "../stores";
import { currentPaymentWebhookSecret, settleCharge, verifyPaymentWebhook } from "./payments.webhooks";

const tags = ["Payments"];

const WebhookSecret = z
  .object({ secret: z.string().openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }) })
  .openapi("PaymentWebhookSecret");

const PaymentWebhookBody = z
  .object({
    type: z.enum(["charge.succeeded", "charge.failed"]),
    data: z.object({ store_id: z.string(), charge_id: z.string(), message: z.string().optional() }),
  })
  .openapi("PaymentWebhookBody");

const PaymentWebhookResult = z
  .object({ received: z.literal(true), changed: z.boolean().openapi({ description: "false for a replay or an already settled charge" }) })
  .openapi("PaymentWebhookResult");

const secretRoute = storeRoute({
  operationId: "getPaymentWebhookSecret",
  method: "get",
  path: "/v1/payments/test-card/webhook-secret",
  tags,
  summary: "The store's test_card webhook signing secret",
  description: "Configure the provider (or a test) with it: deliveries to /v1/webhooks/payments/test_card are verified with it (Standard Webhooks).",
  secret: true,
  responses: { 200: jsonContent(WebhookSecret, "The secret") },
});

const webhookRoute = publicRoute({
  operationId: "receiveTestCardWebhook",
  method: "post",
  path: "/v1/webhooks/payments/test_card",
  tags,
  summary: "Payment provider webhook (test_card)",
  description:
    "Settles or fails a pending charge. Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the store's secret; a bad signature or a timestamp more than 5 minutes off is 401. A replay changes nothing.",
  request: { body: { required: true, content: { "application/json": { schema: PaymentWebhookBody } } } },
  responses: { 200: jsonContent(PaymentWebhookResult, "Received") },
  errors: [400, 401],
});

export const paymentsRouter = createRouter<AppEnv>()
  .openapi(secretRoute, async (c) => c.json({ secret: await currentPaymentWebhookSecret(c.env, c.var.principal.storeId) }, 200))
  .openapi(webhookRoute, async (c) => {
    const headers = {
      "webhook-id": c.req.header("webhook-id") ?? "",
      "webhook-timestamp": c.req.header("webhook-timestamp") ?? "",
      "webhook-signature": c.req.header("webhook-signature") ?? "",
    };
    const body = await verifyPaymentWebhook(c.env, await c.req.text(), headers);
    const { changed } = await settleCharge(c.var.db, c.env.EVENTS, body);
    return c.json({ received: true as const, changed }, 200);
  });
