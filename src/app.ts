import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context";
import { createDb } from "./db/client";
import { customersRouter } from "./modules/customers";
import { analyticsRouter } from "./modules/analytics";
import { billingRouter } from "./modules/billing";
import { campaignsRouter } from "./modules/campaigns";
import { loyaltyRouter } from "./modules/loyalty";
import { cartsRouter } from "./modules/carts";
import { jobsRouter } from "./modules/jobs";
import { webhooksRouter } from "./modules/webhooks";
import { JOBS } from "./scheduled";
import { couponsRouter } from "./modules/coupons";
import { paymentsRouter } from "./modules/payments";
import { creditsRouter } from "./modules/credits";
import { giftCardsRouter } from "./modules/giftcards";
import { eventsApiRouter, eventsRouter } from "./modules/events";
import { docsRouter, healthRouter } from "./modules/health";
import { ordersRouter } from "./modules/orders";
import { productsRouter } from "./modules/products";
import { storeCredentialsRouter, storesRouter } from "./modules/stores";
import { ApiError, problemResponse } from "./shared/errors";
import { type CorsOptions, jsonBody, methodsByPath, requestIdOf } from "./shared/http";
import { redactError } from "./shared/log";
import { createRouter } from "./shared/openapi";
import { CurrencyMismatchError, MoneyOverflowError } from "./shared/money";

const DEFAULT_DOCS_URL = "https://edgeshop.dev/problems";

/** Browser storefronts call the API with bearer tokens (never cookies), so any origin may. */
export const CORS: CorsOptions = {
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-Id", "X-Tenant-Id"],
  exposeHeaders: ["ETag", "X-Request-Id", "Idempotent-Replayed", "Retry-After", "Location"],
  maxAgeSeconds: 86400,
};

/** Builds the HTTP app: shared middleware, one error handler, docs, and every module's routes. */
export function createApp() {
  const app = createRouter<AppEnv>();

  // Request id and CORS headers: `withResponseHeaders` around the app (src/index.ts). A plain
  // function, not an async layer: each `await next()` middleware costs every request its frame.
  app.use("*", (c, next) => {
    c.set("requestId", requestIdOf(c.req.raw));
    c.set("db", createDb(c.env.DB));
    return next();
  });
  app.use("/v1/*", jsonBody());

  // Chained so the app's type carries every route's contract (`AppType`, the typed test client).
  const api = app
    .route("/", healthRouter)
    .route("/", storesRouter)
    .route("/", storeCredentialsRouter)
    .route("/", ordersRouter)
    .route("/", productsRouter)
    .route("/", customersRouter)
    .route("/", eventsRouter)
    .route("/", eventsApiRouter)
    .route("/", giftCardsRouter)
    .route("/", creditsRouter)
    .route("/", couponsRouter)
    .route("/", analyticsRouter)
    .route("/", paymentsRouter)
    .route("/", cartsRouter)
    .route("/", jobsRouter(() => JOBS))
    .route("/", webhooksRouter)
    .route("/", campaignsRouter)
    .route("/", billingRouter)
    .route("/", loyaltyRouter);

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A secret API key (`sk_...`) or an access token (`at_...`) from `POST /v1/store/token`",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "operatorToken", {
    type: "http",
    scheme: "bearer",
    description: "The operator token (Worker secret `OPERATOR_TOKEN`)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "cartToken", {
    type: "http",
    scheme: "bearer",
    description: "An anonymous cart's token (`ct_...`) from `POST /v1/carts`: that cart only",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "customerSession", {
    type: "http",
    scheme: "bearer",
    description: "A customer session token (`cst_...`) from `POST /v1/auth/login`",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "edgeshop API",
      version: "1.0.0",
      contact: { name: "edgeshop", url: "https://edgeshop.dev" },
      description:
        "Multi-tenant commerce and loyalty API on Cloudflare Workers. Errors are RFC 9457 problem+json with a stable `code`; money is integer minor units; lists use keyset pagination.",
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "Health", description: "Liveness" },
      { name: "Stores", description: "Stores (tenants), their settings and access tokens" },
      { name: "API keys", description: "Secret API keys of a store" },
      { name: "Access tokens", description: "Access tokens issued from the app secret" },
      { name: "Products", description: "The catalog" },
      { name: "Product tags", description: "Tags on a product, one at a time" },
      { name: "Inventory", description: "Stock changes and the inventory ledger" },
      { name: "Customers", description: "A store's customers" },
      { name: "Customer addresses", description: "A customer's addresses" },
      { name: "Customer emails", description: "A customer's emails and their confirmation" },
      { name: "Storefront auth", description: "Customer sessions and email confirmation links" },
      { name: "Orders", description: "Draft orders and their lifecycle, served by each store's order stream" },
      { name: "Events", description: "The event history, and asynchronous work that gave up (dead letters)" },
      { name: "Gift cards", description: "Gift cards with hashed codes and a spend ledger" },
      { name: "Store credit", description: "A customer's store credit grants and their ledgers" },
      { name: "Coupon codes", description: "Coupon codes, their validation and redemptions" },
      { name: "Analytics", description: "Figures kept incrementally by handlers on the event bus" },
      { name: "Payments", description: "The payment provider's webhook and its secret" },
      { name: "Webhooks", description: "Endpoints subscribed to the store's events, and their signed deliveries" },
      { name: "Operations", description: "Operator views: the cron jobs and their runs" },
      { name: "Checkout and invoices", description: "Invoices made by checkout, manual collection, and refunds" },
      { name: "Loyalty", description: "Stamps earned by orders, turned into vouchers, redeemed at checkout" },
      { name: "Brands and discounts", description: "Coupon campaigns: brands, where their coupons are realized, and their discounts" },
      { name: "Fans and coupons", description: "Fans registering for a discount, their email verification, and each issued code's realization at the brand's shop" },
      { name: "Carts", description: "One object per cart: items, discounts, selections, totals and why it cannot check out yet" },
    ],
  });
  app.route("/", docsRouter);

  // No route for this method: 405 with `Allow` when the path has routes for other methods, else 404.
  const allowedMethods = methodsByPath(() => app.routes);
  app.notFound((c) => {
    const methods = allowedMethods(c.req.path);
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      return problem(c, new ApiError("method_not_allowed", `Use ${methods.join(", ")} on this route`, { headers: { Allow: methods.join(", ") } }));
    }
    return problem(c, new ApiError("route_not_found", `No route for ${c.req.method} ${c.req.path}`));
  });
  app.onError((err, c) => problem(c, toApiError(err, c)));
  return api;
}

/** The typed contract of the whole API, for `hono/client` (see tests/helpers.ts `api()`). */
export type AppType = ReturnType<typeof createApp>;

function problem(c: Context<AppEnv>, error: ApiError): Response {
  return problemResponse(error, c.var.requestId ?? "req_unknown", c.env.DOCS_URL ?? DEFAULT_DOCS_URL);
}

function toApiError(err: Error, c: Context<AppEnv>): ApiError {
  if (err instanceof ApiError) {
    if (err.status >= 500) logServerError(err, c);
    return err;
  }
  if (err instanceof MoneyOverflowError) return new ApiError("validation_failed", "An amount is out of range");
  if (err instanceof CurrencyMismatchError) return new ApiError("business_rule_violation", `Amounts must share one currency: ${err.message}`);
  if (err instanceof HTTPException && err.status < 500) {
    if (err.status === 413) return new ApiError("payload_too_large");
    if (err.status === 415) return new ApiError("unsupported_media_type");
    return new ApiError("validation_failed", err.message);
  }
  logServerError(err, c);
  if (isTransientStorageError(err)) {
    return new ApiError("service_unavailable", "The database is temporarily unavailable; retry shortly", {
      headers: { "Retry-After": "1" },
    });
  }
  return new ApiError("internal_error");
}

/** D1 and Durable Object storage failures a retry can cure (overload, reset, lost connection). */
function isTransientStorageError(err: Error): boolean {
  const messages = [err.message, err.cause instanceof Error ? err.cause.message : ""].join(" ");
  return /overloaded|network connection lost|transient|timed? ?out|reset because|retryable/i.test(messages);
}

/** Paths that carry a secret (a fan's verification token) are logged without it. */
function redactPath(path: string): string {
  return path.replace(/^(\/v1\/fans\/verify\/)[^/]+/, "$1[redacted]");
}

function logServerError(err: Error, c: Context<AppEnv>) {
  console.error(
    JSON.stringify({ level: "error", request_id: c.var.requestId, method: c.req.method, path: redactPath(c.req.path), ...redactError(err) }),
  );
}
