import type { Bindings } from "../../context";
import { defineConsumer } from "../../shared/queue-consumer";
import { createDb } from "../../db/client";
import { z } from "@hono/zod-openapi";
import { EventMessage, appendEventStatements, publishEvents } from "../events";
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
 * copy of orders (the store's object serves every order read); the one thing left to do with an event
 * is to append it to the events log, keyed by its id, so redeliveries change nothing. A message that
 * keeps failing goes to `order-events-dlq`, recorded by the events module's dead-letter consumer.
 */
export const consumeOrderEvents = defineConsumer<ObjectEvent, Bindings>({
  schema: ObjectEvent,
  async handle(messages, env) {
    const db = createDb(env.DB);
    const records = messages.map((m) => ("resource_type" in m.body ? m.body : orderEventRecord(m.body)));
    const [first, ...rest] = appendEventStatements(db, records);
    await db.batch([first!, ...rest]);
    // Publishing a duplicate again is harmless (bus handlers apply each event once); an event whose
    // publication is lost here is re-published by the sweep cron.
    await publishEvents(env.EVENTS, records);
  },
});
