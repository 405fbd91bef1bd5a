import { z } from "@hono/zod-openapi";
import { type SQL, and, eq, gte, lt } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { createRouter, idParam, jsonContent } from "../../shared/openapi";
import { PageQuerySchema, pageSchema, paginate } from "../../shared/pagination";
import { Timestamp, timeRange } from "../../shared/schemas";
import { storeRoute } from "../stores";
import { events } from "./events.tables";

/** How long the event log keeps an event (purged by the hourly cron). */
export const EVENT_RETENTION_DAYS = 30;

export const Event = z
  .object({
    id: z.string().openapi({ example: "evt_7Hj2Kl9Mn4Pq1Rs8Tu3Vw6" }),
    type: z.string().openapi({ example: "order.confirmed" }),
    resource_type: z.string().openapi({ example: "order" }),
    resource_id: z.string(),
    resource_version: z.number().int().nullable().openapi({ description: "The resource's version after the change, to drop stale deliveries; null when not known" }),
    created_at: Timestamp,
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("Event");

const EventQuery = PageQuerySchema.extend({
  type: z.string().min(1).max(100).optional().openapi({ param: { name: "type", in: "query" }, example: "order.confirmed" }),
  resource_type: z.string().min(1).max(64).optional().openapi({ param: { name: "resource_type", in: "query" } }),
  resource_id: z.string().min(1).max(64).optional().openapi({ param: { name: "resource_id", in: "query" } }),
  ...timeRange("created", "events"),
});

export function presentEvent(row: typeof events.$inferSelect) {
  return {
    id: row.id,
    type: row.type,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    resource_version: row.resourceVersion,
    created_at: row.createdAt,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

const listEventsRoute = storeRoute({
  operationId: "listEvents",
  method: "get",
  path: "/v1/events",
  tags: ["Events"],
  summary: "The store's event history",
  description: `Newest first; filters combine with AND. An integration that was down catches up from here. Events are kept ${EVENT_RETENTION_DAYS} days.`,
  request: { query: EventQuery },
  responses: { 200: jsonContent(pageSchema(Event, "EventPage"), "A page of events") },
});

const getEventRoute = storeRoute({
  operationId: "getEvent",
  method: "get",
  path: "/v1/events/{id}",
  tags: ["Events"],
  summary: "Retrieve an event",
  description: "One event of the store's history, as deliveries carry it.",
  request: { params: idParam("evt") },
  responses: { 200: jsonContent(Event, "The event") },
  errors: [404],
});

export const eventsApiRouter = createRouter<AppEnv>()
  .openapi(listEventsRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const q = c.req.valid("query");
    const scope = `events:${storeId}:${q.type ?? ""}:${q.resource_type ?? ""}:${q.resource_id ?? ""}:${q.created_after ?? ""}:${q.created_before ?? ""}`;
    const keyset = await paginate(c.env, scope, q, events);
    const conditions: Array<SQL | undefined> = [eq(events.storeId, storeId), keyset.where];
    if (q.type) conditions.push(eq(events.type, q.type));
    if (q.resource_type) conditions.push(eq(events.resourceType, q.resource_type));
    if (q.resource_id) conditions.push(eq(events.resourceId, q.resource_id));
    if (q.created_after) conditions.push(gte(events.createdAt, q.created_after));
    if (q.created_before) conditions.push(lt(events.createdAt, q.created_before));
    const rows = await c.var.db.select().from(events).where(and(...conditions)).orderBy(...keyset.orderBy).limit(keyset.limit);
    return c.json(await keyset.page(rows, presentEvent), 200);
  })
  .openapi(getEventRoute, async (c) => {
    const [row] = await c.var.db
      .select()
      .from(events)
      .where(and(eq(events.id, c.req.valid("param").id), eq(events.storeId, c.var.principal.storeId)))
      .limit(1);
    if (!row) throw new ApiError("not_found", "No such event in this store");
    return c.json(presentEvent(row), 200);
  });
