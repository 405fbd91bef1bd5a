import { and, eq, ne } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { PageQuerySchema } from "../../shared/pagination";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { nowIso } from "../../shared/time";
import { etag } from "../../shared/versioning";
import { appendEventStatements, newEvent, publishEvents } from "../events";
import { storeRoute } from "../stores";
import { enqueueNew } from "./webhooks.deliver";
import { CreateEndpointBody, DeliveryQuery, UpdateEndpointBody, WebhookDeliveryDetail, WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointPage, WebhookEndpointWithSecret } from "./webhooks.schemas";
import { createEndpoint, deleteEndpoint, getDelivery, getEndpoint, listDeliveries, listEndpoints, presentDeliveryDetail, presentEndpoint, rotateSecret, updateEndpoint } from "./webhooks.service";
import { webhookDeliveries } from "./webhooks.tables";

const tags = ["Webhooks"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };
const params = idParam("we");

const create = storeRoute({
  operationId: "createWebhookEndpoint",
  method: "post",
  path: "/v1/webhook-endpoints",
  tags,
  summary: "Subscribe an endpoint to the store's events",
  description:
    "Deliveries are signed per Standard Webhooks (`webhook-id` = the event id, `webhook-timestamp`, `webhook-signature`) with the secret shown only here. https only; private, link-local and reserved addresses are refused (loopback only in local development).",
  secret: true,
  request: jsonRequest(CreateEndpointBody),
  responses: { 201: { ...jsonContent(WebhookEndpointWithSecret, "The endpoint and its secret"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
});

const list = storeRoute({ operationId: "listWebhookEndpoints", method: "get", path: "/v1/webhook-endpoints", tags, summary: "List webhook endpoints", description: "Newest first.", request: { query: PageQuerySchema }, responses: { 200: jsonContent(WebhookEndpointPage, "A page of endpoints") } });

const get = storeRoute({ operationId: "getWebhookEndpoint", method: "get", path: "/v1/webhook-endpoints/{id}", tags, summary: "Retrieve a webhook endpoint", description: "Never shows the secret.", request: { params }, responses: { 200: { ...jsonContent(WebhookEndpoint, "The endpoint"), headers: ETagHeader } }, errors: [404] });

const update = storeRoute({
  operationId: "updateWebhookEndpoint",
  method: "patch",
  path: "/v1/webhook-endpoints/{id}",
  tags,
  summary: "Change a webhook endpoint",
  description: "`enabled: true` re-enables an endpoint that was disabled for failing and starts its failure count over.",
  ifMatch: true,
  request: { params, ...jsonRequest(UpdateEndpointBody) },
  responses: { 200: { ...jsonContent(WebhookEndpoint, "The endpoint"), headers: ETagHeader } },
  errors: [404],
});

const remove = storeRoute({ operationId: "deleteWebhookEndpoint", method: "delete", path: "/v1/webhook-endpoints/{id}", tags, summary: "Delete a webhook endpoint", description: "Pending deliveries to it end as failed.", request: { params }, responses: { 204: { description: "Deleted" } }, errors: [404] });

const rotate = storeRoute({
  operationId: "rotateWebhookEndpointSecret",
  method: "post",
  path: "/v1/webhook-endpoints/{id}/rotate-secret",
  tags,
  summary: "Rotate the signing secret",
  description: "For 24 hours deliveries carry signatures with both the new and the previous secret, so a receiver can switch without missing any.",
  secret: true,
  request: { params },
  responses: { 200: jsonContent(WebhookEndpointWithSecret, "The endpoint and its new secret") },
  errors: [404, 409],
});

const test = storeRoute({
  operationId: "testWebhookEndpoint",
  method: "post",
  path: "/v1/webhook-endpoints/{id}/test",
  tags,
  summary: "Send a `webhook.test` event to this endpoint",
  description: "The event is written to the log and delivered to this endpoint only, like any other delivery.",
  request: { params },
  responses: { 202: jsonContent(WebhookDeliveryDetail, "The delivery, queued") },
  errors: [404],
});

const deliveries = storeRoute({
  operationId: "listWebhookDeliveries",
  method: "get",
  path: "/v1/webhook-endpoints/{id}/deliveries",
  tags,
  summary: "An endpoint's deliveries",
  description: "Newest first: status, last response code, latency, attempts and the next retry.",
  request: { params, query: DeliveryQuery },
  responses: { 200: jsonContent(WebhookDeliveryPage, "A page of deliveries") },
  errors: [404],
});

const getDeliveryRoute = storeRoute({ operationId: "getWebhookDelivery", method: "get", path: "/v1/webhook-deliveries/{id}", tags, summary: "Retrieve a delivery", description: "With the first 1,024 characters of the last response.", request: { params: idParam("whd") }, responses: { 200: jsonContent(WebhookDeliveryDetail, "The delivery") }, errors: [404] });

const redeliver = storeRoute({
  operationId: "redeliverWebhook",
  method: "post",
  path: "/v1/webhook-deliveries/{id}/redeliver",
  tags,
  summary: "Send a delivery again",
  description: "Queues another attempt (marked by `webhook-attempt`); 409 while one is already pending.",
  request: { params: idParam("whd") },
  responses: { 202: jsonContent(WebhookDeliveryDetail, "The delivery, queued") },
  errors: [404, 409],
});

export const webhooksRouter = createRouter<AppEnv>()
  .openapi(create, async (c) => {
    const { row, secret } = await createEndpoint(c.var.db, c.env, c.var.principal.storeId, c.req.valid("json"));
    return c.json({ ...presentEndpoint(row), secret }, 201, { ETag: etag(row.version), Location: `/v1/webhook-endpoints/${row.id}` });
  })
  .openapi(list, async (c) => c.json(await listEndpoints(c.var.db, c.env, c.var.principal.storeId, c.req.valid("query")), 200))
  .openapi(get, async (c) => {
    const row = await getEndpoint(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json(presentEndpoint(row), 200, { ETag: etag(row.version) });
  })
  .openapi(update, async (c) => {
    const row = await updateEndpoint(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, c.var.expectedVersion, c.req.valid("json"));
    return c.json(presentEndpoint(row), 200, { ETag: etag(row.version) });
  })
  .openapi(remove, async (c) => {
    await deleteEndpoint(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(rotate, async (c) => {
    const { row, secret } = await rotateSecret(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id);
    return c.json({ ...presentEndpoint(row), secret }, 200);
  })
  .openapi(test, async (c) => {
    const storeId = c.var.principal.storeId;
    const endpoint = await getEndpoint(c.var.db, storeId, c.req.valid("param").id);
    const deliveryId = newId("whd");
    const now = nowIso();
    const event = newEvent(storeId, { type: "webhook.test", resource_type: "webhook_endpoint", resource_id: endpoint.id, data: { webhook_endpoint_id: endpoint.id, message: "A test delivery from edgeshop" } });
    // The event and its one delivery commit together; fan-out skips `webhook.test`, so only this endpoint gets it.
    await c.var.db.batch([
      ...appendEventStatements(c.var.db, [event]),
      c.var.db.insert(webhookDeliveries).values({ id: deliveryId, storeId, endpointId: endpoint.id, eventId: event.id, eventType: event.type, status: "pending", attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now }),
    ] as unknown as Parameters<typeof c.var.db.batch>[0]);
    c.executionCtx.waitUntil(publishEvents(c.env.EVENTS, [event]).catch(() => undefined));
    const eventId = event.id;
    await enqueueNew(c.var.db, c.env, [eventId]);
    return c.json(presentDeliveryDetail(await getDelivery(c.var.db, storeId, deliveryId)), 202);
  })
  .openapi(deliveries, async (c) => c.json(await listDeliveries(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, c.req.valid("query")), 200))
  .openapi(getDeliveryRoute, async (c) => c.json(presentDeliveryDetail(await getDelivery(c.var.db, c.var.principal.storeId, c.req.valid("param").id)), 200))
  .openapi(redeliver, async (c) => {
    const storeId = c.var.principal.storeId;
    const delivery = await getDelivery(c.var.db, storeId, c.req.valid("param").id);
    const [row] = await c.var.db
      .update(webhookDeliveries)
      .set({ status: "pending", nextAttemptAt: nowIso(), updatedAt: nowIso() })
      .where(and(eq(webhookDeliveries.id, delivery.id), ne(webhookDeliveries.status, "pending")))
      .returning();
    if (!row) throw new ApiError("conflict", "An attempt of this delivery is already pending");
    await c.env.WEBHOOK_DELIVERIES.send({ delivery_id: row.id }, { contentType: "json" });
    return c.json(presentDeliveryDetail(row), 202);
  });
