import type { Db } from "./db/client";
import type { CustomerPrincipal, EmailOutboxMessage, LoginLimiter } from "./modules/customers";
import type { OrderEvent, OrderStream } from "./modules/orders";
import type { EventMessage } from "./modules/events";
import type { Principal } from "./modules/stores";

/** Worker bindings, secrets and vars (see wrangler.toml and README "Configuration"). */
export interface Bindings {
  DB: D1Database;
  /** One order stream Durable Object per store (see modules/orders). */
  ORDER_STREAM: DurableObjectNamespace<OrderStream>;
  /** Producer for the `order-events` queue, fed by the order stream's outbox relay. */
  ORDER_EVENTS: Queue<OrderEvent>;
  /** Producer for the `events` queue: the bus every module handler listens on. */
  EVENTS: Queue<EventMessage>;
  /** Operator token for store creation; a Worker secret. */
  OPERATOR_TOKEN?: string;
  /** Master secret for cursor MACs and at-rest encryption of idempotent responses; a Worker secret. */
  SIGNING_SECRET: string;
  /** The secret SIGNING_SECRET replaced, kept 24 h after a rotation so older data still opens (see README). */
  SIGNING_SECRET_PREVIOUS?: string;
  /** Base URL of the problem type documentation. */
  DOCS_URL: string;
  /** Exact login attempt counters, one object per store + email. */
  LOGIN_LIMITER: DurableObjectNamespace<LoginLimiter>;
  /** Producer for the `email-outbox` queue. */
  EMAIL_OUTBOX: Queue<EmailOutboxMessage>;
  /** Where the email consumer POSTs `{ from, to, subject, text, html }`; unset: emails are only logged. */
  EMAIL_PROVIDER_URL?: string;
  /** Bearer token for the email provider; a Worker secret. */
  EMAIL_PROVIDER_TOKEN?: string;
  /** Sender address for outgoing emails. */
  EMAIL_FROM?: string;
  /** Public origin of this API, used in links inside emails (e.g. https://api.example.com). */
  PUBLIC_BASE_URL?: string;
  /** Local development only: "true" logs confirmation links in full when no provider is configured. */
  EMAIL_LOG_LINKS?: string;
}

export interface Variables {
  requestId: string;
  db: Db;
  /** Set by the auth middleware on authenticated routes. */
  principal: Principal;
  /** Set by `requireCustomer()` on storefront routes. */
  customer: CustomerPrincipal;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
