import { z } from "@hono/zod-openapi";
import { EventMessage, type HandlerTable, objectEventsConsumer } from "../events";
import { OrderEvent } from "./orders.schemas";

/** What the objects relay: an order stream's `OrderEvent`, or another object's event already in the log's shape (carts). */
const ObjectEvent = z.union([OrderEvent, EventMessage]);
type ObjectEvent = z.infer<typeof ObjectEvent>;

/** An order event in the events log's shape: the order is the resource, its version the resource version. */
export function orderEventRecord(event: OrderEvent): EventMessage {
  return {
    id: event.id,
    store_id: event.store_id,
    type: event.type,
    resource_type: "order",
    resource_id: event.data.order.id,
    resource_version: event.data.order.version,
    created_at: event.created_at,
    data: event.data,
  };
}

/**
 * `order-events` consumer: the order streams' and the carts' relays publish their events here. D1 keeps no
 * copy of orders (the store's object serves every order read); each event is appended to the events
 * log, keyed by its id (redeliveries append nothing), and the bus handlers of `table` run on it in the
 * same D1 batch (`objectEventsConsumer`). A message that keeps failing goes to `order-events-dlq`,
 * recorded by the events module's dead-letter consumer.
 */
export function orderEventsConsumer(table: HandlerTable) {
  return objectEventsConsumer<ObjectEvent>(table, ObjectEvent, (body) => ("resource_type" in body ? body : orderEventRecord(body)));
}
