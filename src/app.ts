import type { Context } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context";
import { createDb } from "./db/client";
import { customersRouter } from "./modules/customers";
import { docsRouter, healthRouter } from "./modules/health";
import { ordersRouter } from "./modules/orders";
import { productsRouter } from "./modules/products";
import { storeCredentialsRouter, storesRouter } from "./modules/stores";
import { ApiError, problemResponse } from "./shared/errors";
import { jsonBody, requestId } from "./shared/http";
import { redactError } from "./shared/log";
import { createRouter } from "./shared/openapi";
import { MoneyOverflowError } from "./shared/money";

const DEFAULT_DOCS_URL = "https://edgeshop.dev/problems";

/** Builds the HTTP app: shared middleware, one error handler, docs, and every module's routes. */
export function createApp() {
  const app = createRouter<AppEnv>();

  app.use("*", requestId());
  // Browser storefronts call the API with bearer tokens (never cookies), so any origin may.
  app.use(
    "*",
    cors({
      origin: "*",
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Request-Id", "X-Tenant-Id"],
      exposeHeaders: ["ETag", "X-Request-Id", "Idempotent-Replayed", "Retry-After", "Location"],
      maxAge: 86400,
    }),
  );
  app.use("*", async (c, next) => {
    c.set("db", createDb(c.env.DB));
    await next();
  });
  app.use("/v1/*", jsonBody());

  app.route("/", healthRouter);
  app.route("/", storesRouter);
  app.route("/", storeCredentialsRouter);
  app.route("/", ordersRouter);
  app.route("/", productsRouter);
  app.route("/", customersRouter);

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
      description:
        "Multi-tenant commerce and loyalty API on Cloudflare Workers. Errors are RFC 9457 problem+json with a stable `code`; money is integer minor units; lists use keyset pagination.",
    },
    servers: [{ url: "/" }],
  });
  app.route("/", docsRouter);

  const allowed = allowedMethods(app.routes);
  app.notFound((c) => {
    const methods = allowed(c.req.path);
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      return problem(c, new ApiError("method_not_allowed", `Use ${methods.join(", ")} on this route`, {
        headers: { Allow: methods.join(", ") },
      }));
    }
    return problem(c, new ApiError("route_not_found", `No route for ${c.req.method} ${c.req.path}`));
  });
  app.onError((err, c) => problem(c, toApiError(err, c)));
  return app;
}

function problem(c: Context<AppEnv>, error: ApiError): Response {
  return problemResponse(error, c.var.requestId ?? "req_unknown", c.env.DOCS_URL ?? DEFAULT_DOCS_URL);
}

function toApiError(err: Error, c: Context<AppEnv>): ApiError {
  if (err instanceof ApiError) {
    if (err.status >= 500) logServerError(err, c);
    return err;
  }
  if (err instanceof MoneyOverflowError) return new ApiError("validation_failed", "An amount is out of range");
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

function logServerError(err: Error, c: Context<AppEnv>) {
  console.error(
    JSON.stringify({ level: "error", request_id: c.var.requestId, method: c.req.method, path: c.req.path, ...redactError(err) }),
  );
}

function allowedMethods(routes: ReadonlyArray<{ method: string; path: string }>) {
  const patterns = routes
    .filter((r) => r.method !== "ALL" && !r.path.includes("*"))
    .map((r) => ({
      method: r.method,
      regex: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")}/?$`),
    }));
  return (path: string) => [...new Set(patterns.filter((p) => p.regex.test(path)).map((p) => p.method))];
}
