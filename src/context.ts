import type { Db } from "./db/client";
import type { OrderEvent, OrderStream } from "./modules/orders";
import type { Principal } from "./modules/stores";

/** Worker bindings, secrets and vars (see wrangler.toml and README "Configuration"). */
export interface Bindings {
  DB: D1Database;
  /** One order stream Durable Object per store (see modules/orders). */
  ORDER_STREAM: DurableObjectNamespace<OrderStream>;
  /** Producer for the `order-events` queue, fed by the order stream's outbox relay. */
  ORDER_EVENTS: Queue<OrderEvent>;
  /** Operator token for store creation; a Worker secret. */
  OPERATOR_TOKEN?: string;
  /** Master secret for cursor MACs and at-rest encryption of idempotent responses; a Worker secret. */
  SIGNING_SECRET: string;
  /** Base URL of the problem type documentation. */
  DOCS_URL: string;
}

export interface Variables {
  requestId: string;
  db: Db;
  /** Set by the auth middleware on authenticated routes. */
  principal: Principal;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
