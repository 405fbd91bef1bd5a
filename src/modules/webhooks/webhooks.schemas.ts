import { z } from "@hono/zod-openapi";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { Timestamp } from "../../shared/schemas";

const EventTypes = z
  .array(z.string().trim().min(1).max(100).regex(/^(\*|[a-z_]+\.[a-z_.]+)$/, "An event type such as `order.confirmed`, or `*`"))
  .min(1)
  .max(100)
  .openapi({ example: ["order.confirmed", "order.closed"], description: "Event types to receive; `[\"*\"]` (the default) for all" });

export const CreateEndpointBody = z
  .strictObject({
    url: z.string().min(1).max(2048).openapi({ example: "https://erp.example.com/hooks/edgeshop" }),
    event_types: EventTypes.optional(),
    description: z.string().trim().max(500).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("CreateWebhookEndpointBody");

export const UpdateEndpointBody = CreateEndpointBody.partial().openapi("UpdateWebhookEndpointBody");

export const WebhookEndpoint = z
  .object({
    id: z.string().openapi({ example: "we_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable().openapi({ description: "Set when deliveries kept failing and the endpoint was disabled; PATCH `enabled: true` re-enables it" }),
    consecutive_failures: z.number().int(),
    version: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("WebhookEndpoint");

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", description: "Standard Webhooks signing secret, shown only here" }),
}).openapi("WebhookEndpointWithSecret");

export const WebhookEndpointPage = pageSchema(WebhookEndpoint, "WebhookEndpointPage");

export const WebhookDelivery = z
  .object({
    id: z.string().openapi({ example: "whd_3f9a0c1b2d4e5f6a7b8c9d" }),
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: Timestamp.nullable(),
    response_status: z.number().int().nullable(),
    latency_ms: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    delivered_at: Timestamp.nullable(),
  })
  .openapi("WebhookDelivery");

export const WebhookDeliveryDetail = WebhookDelivery.extend({
  response_body: z.string().nullable().openapi({ description: "The first 1,024 characters of the last response" }),
}).openapi("WebhookDeliveryDetail");

export const WebhookDeliveryPage = pageSchema(WebhookDelivery, "WebhookDeliveryPage");

export const DeliveryQuery = PageQuerySchema.extend({
  status: z.enum(["pending", "succeeded", "failed"]).optional().openapi({ param: { name: "status", in: "query" } }),
  event_type: z.string().min(1).max(100).optional().openapi({ param: { name: "event_type", in: "query" } }),
});
