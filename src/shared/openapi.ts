import { OpenAPIHono, type RouteConfig, createRoute, z } from "@hono/zod-openapi";
import type { Env, MiddlewareHandler } from "hono";
import { etag as etagMiddleware } from "hono/etag";
import { ApiError, ProblemSchema, fieldErrorsFromIssues } from "./errors";
import { parseIdempotencyKey } from "./idempotency-key";
import { parseIfMatch } from "./versioning";

/** A router whose validation failures become 400 `validation_failed` problems with field paths. */
export function createRouter<E extends Env>() {
  return new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (!result.success) {
        const prefix = result.target === "json" ? undefined : result.target === "param" ? "path" : result.target;
        throw new ApiError("validation_failed", "One or more fields are invalid", {
          errors: fieldErrorsFromIssues(result.error.issues, prefix),
        });
      }
    },
  });
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input (`validation_failed`, `malformed_json`, `invalid_cursor` ...)",
  401: "Missing or invalid credential (`unauthenticated`)",
  403: "Credential valid but not allowed (`forbidden`, `tenant_mismatch`)",
  404: "Not found, or belongs to another store (`not_found`)",
  409: "Conflicts with the current state",
  412: "Stale `If-Match` (`stale_version`, body has `current_version`)",
  413: "Body too large (`payload_too_large`)",
  415: "Body is not JSON (`unsupported_media_type`)",
  422: "A business rule refused the request",
  428: "`If-Match` required (`precondition_required`)",
  429: "Rate limited (`rate_limited`), see `Retry-After`",
  503: "A dependency is unavailable (`service_unavailable`), see `Retry-After`",
};

const STRING = { type: "string" as const };

/** Response headers, declared once. */
export const RESPONSE_HEADERS = {
  requestId: { schema: STRING, description: "The request id, also in problem bodies and logs" },
  retryAfter: { schema: { type: "integer" as const, minimum: 0 }, description: "Seconds to wait before retrying" },
  etag: { schema: STRING, description: 'The resource version, e.g. "3"; send it back as If-Match' },
  location: { schema: STRING, description: "The new resource's URL" },
  noStore: { schema: { type: "string" as const, enum: ["no-store"] }, description: "The response carries a secret: never cache it" },
  replayed: { schema: { type: "string" as const, enum: ["true"] }, description: "Present when a stored response is replayed for a repeated Idempotency-Key" },
};

type ProblemResponse = {
  description: string;
  headers: Record<string, { schema: object; description: string }>;
  content: { "application/problem+json": { schema: typeof ProblemSchema } };
};

/** The problem+json responses of a route, declared once and spread into its `responses`. */
export function errorResponses(...statuses: number[]): Record<number, ProblemResponse> {
  const all = [...new Set(statuses)].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? "Error",
        headers: {
          "X-Request-Id": RESPONSE_HEADERS.requestId,
          ...(status === 429 || status === 503 ? { "Retry-After": RESPONSE_HEADERS.retryAfter } : {}),
        },
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A required JSON request body (unknown fields are rejected by strict schemas). */
export function jsonRequest<T extends z.ZodType>(schema: T, description?: string) {
  return { body: { required: true, description, content: { "application/json": { schema } } } };
}

function pathId(prefix: string, name: string) {
  return z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name, in: "path" }, example: `${prefix}_8fJ2kq0LxY4m1Nw7pQzR3a` });
}

type PathId = ReturnType<typeof pathId>;

// Overloads, not a defaulted generic: inside createRoute the contextual type would otherwise infer
// the name as `string` and hono would type the param as optional.
export function idParam(prefix: string): z.ZodObject<{ id: PathId }, z.core.$strip>;
export function idParam<N extends string>(prefix: string, name: N): z.ZodObject<{ [K in N]: PathId }, z.core.$strip>;
export function idParam(prefix: string, name = "id") {
  return z.object({ [name]: pathId(prefix, name) });
}

// ---------------------------------------------------------------------------------------------
// The route kit: one call declares a route's security, auth middleware, request headers and error
// responses together, so the published contract and the enforced one cannot drift apart.
// ---------------------------------------------------------------------------------------------

export type RouteKind = "store" | "customer" | "operator" | "public" | "cart" | "storefront" | "member";

/** What a route asks of the kit besides the plain `createRoute` fields. */
export interface KitOptions {
  /** camelCase verb-noun, unique in the document. */
  operationId: string;
  /** Statuses particular to this route; the kit adds those of its kind, body and options. */
  errors?: readonly number[];
  /** Declares `Idempotency-Key`; "required" also enforces it (400 `idempotency_key_missing`). */
  idempotency?: "optional" | "required";
  /** Declares and enforces a required `If-Match` (428 without, 412 stale); sets `c.var.expectedVersion`. */
  ifMatch?: boolean;
  /** The response carries a credential: sends and documents `Cache-Control: no-store`. */
  secret?: boolean;
}

type KitConfig = Omit<RouteConfig, "security" | "operationId" | "parameters"> & KitOptions;

/** What the kit registered for each route: the tests read the contract's expectations from here. */
export interface KitRecord {
  method: string;
  path: string;
  kind: RouteKind;
  operationId: string;
  idempotency: "optional" | "required" | null;
  ifMatch: boolean;
  secret: boolean;
}

export const KIT_ROUTES: KitRecord[] = [];

export interface RouteKindSpec<M extends MiddlewareHandler<any, any, any>[]> {
  kind: RouteKind;
  security: Array<Record<string, string[]>>;
  /** Fresh auth middleware for one route. */
  middleware: () => M;
  errors: readonly number[];
  /** Declares the optional `X-Tenant-Id` header (store routes). */
  tenantHeader?: boolean;
}

type AsTuple<T> = T extends readonly [...infer A] ? A : T extends undefined ? [] : [T];
type RouteOwnMiddleware<R> = R extends { middleware: infer X } ? AsTuple<X> : [];
type IfMatchVariables = { Variables: { expectedVersion: number } };
type OptionMiddleware<R> = R extends { ifMatch: true } ? [MiddlewareHandler<IfMatchVariables>] : [];

export type KitRoute<R extends KitConfig, M extends MiddlewareHandler<any, any, any>[]> = Omit<
  R,
  keyof KitOptions | "middleware"
> & {
  operationId: string;
  middleware: [...M, ...OptionMiddleware<R>, ...RouteOwnMiddleware<R>];
  getRoutingPath(): string;
};

const IDEMPOTENCY_KEY_SCHEMA = { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$" };

function headerParameters(options: KitOptions, tenantHeader: boolean) {
  const parameters: Array<Record<string, unknown>> = [];
  if (options.ifMatch) {
    parameters.push({
      in: "header",
      name: "If-Match",
      required: true,
      description: 'The version you read, as its ETag (e.g. "3"). Missing: 428 `precondition_required`; stale: 412 `stale_version`.',
      schema: { type: "string", pattern: '^(W/)?"?[0-9]{1,15}"?$' },
      example: '"3"',
    });
  }
  if (options.idempotency) {
    const required = options.idempotency === "required";
    parameters.push({
      in: "header",
      name: "Idempotency-Key",
      required,
      description: `1-255 printable ASCII characters; a repeat within 24 h replays the first response.${required ? " Required (400 `idempotency_key_missing`)." : ""}`,
      schema: IDEMPOTENCY_KEY_SCHEMA,
      example: "6f1c1a0e-3f59-4b43-9d83-5d6b3a1e2c77",
    });
  }
  if (tenantHeader) {
    parameters.push({
      in: "header",
      name: "X-Tenant-Id",
      required: false,
      description: "Optional; when sent it must name the credential's store (403 `tenant_mismatch` otherwise)",
      schema: STRING,
      example: "store_8fJ2kq0LxY4m1Nw7pQzR3a",
    });
  }
  return parameters;
}

function hasInput(request: RouteConfig["request"]): boolean {
  return Boolean(request && (request.body || request.params || request.query || request.headers));
}

type ResponseEntry = { description: string; headers?: Record<string, unknown>; [key: string]: unknown };

/** Adds X-Request-Id to every response, Cache-Control to secret successes and a 304 to conditional GETs. */
function decorateResponses(config: KitConfig, conditional: boolean) {
  const responses: Record<string, ResponseEntry> = {};
  for (const [status, response] of Object.entries(config.responses as Record<string, ResponseEntry>)) {
    const success = status.startsWith("2");
    responses[status] = {
      ...response,
      headers: {
        ...(response.headers ?? {}),
        "X-Request-Id": RESPONSE_HEADERS.requestId,
        ...(success && config.secret ? { "Cache-Control": RESPONSE_HEADERS.noStore } : {}),
      },
    };
  }
  if (conditional) {
    responses["304"] = {
      description: "Not modified: `If-None-Match` names the current version",
      headers: { ETag: RESPONSE_HEADERS.etag, "X-Request-Id": RESPONSE_HEADERS.requestId },
    };
  }
  return responses;
}

function requireIfMatch(): MiddlewareHandler<IfMatchVariables> {
  return async (c, next) => {
    c.set("expectedVersion", parseIfMatch(c.req.header("If-Match")));
    await next();
  };
}

function requireIdempotencyKey(): MiddlewareHandler {
  return async (c, next) => {
    parseIdempotencyKey(c.req.header("Idempotency-Key"), true);
    await next();
  };
}

function noStore(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set("Cache-Control", "no-store");
  };
}

function conditionalGet(): MiddlewareHandler {
  return etagMiddleware({ retainedHeaders: ["etag", "cache-control", "vary", "x-request-id"] });
}

/** Builds the route factory of one kind (store, customer, operator, public). */
export function routeKit<M extends MiddlewareHandler<any, any, any>[]>(spec: RouteKindSpec<M>) {
  return function kitRoute<const R extends KitConfig>(config: R): KitRoute<R, M> {
    const { operationId, errors = [], idempotency, ifMatch = false, secret = false, middleware, ...route } = config;
    const ok200 = (config.responses as Record<string, ResponseEntry>)["200"];
    const conditional = route.method === "get" && ok200?.headers !== undefined && "ETag" in ok200.headers;
    const statuses = [
      ...spec.errors,
      ...errors,
      ...(hasInput(route.request) || idempotency || ifMatch ? [400] : []),
      ...(route.request?.body ? [413, 415] : []),
      ...(ifMatch ? [412, 428] : []),
      ...(idempotency ? [409, 422] : []),
    ];
    const routeMiddleware = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
    const allMiddleware = [
      ...spec.middleware(),
      ...(ifMatch ? [requireIfMatch()] : []),
      ...(idempotency === "required" ? [requireIdempotencyKey()] : []),
      ...(secret ? [noStore()] : []),
      ...(conditional ? [conditionalGet()] : []),
      ...routeMiddleware,
    ];
    const parameters = headerParameters(config, spec.tenantHeader ?? false);
    KIT_ROUTES.push({
      method: route.method.toUpperCase(),
      path: route.path,
      kind: spec.kind,
      operationId,
      idempotency: idempotency ?? null,
      ifMatch,
      secret,
    });
    return createRoute({
      ...route,
      operationId,
      security: spec.security,
      ...(parameters.length > 0 ? { parameters } : {}),
      middleware: allMiddleware,
      responses: { ...errorResponses(...statuses), ...decorateResponses(config, conditional) },
    } as RouteConfig) as unknown as KitRoute<R, M>;
  };
}

/** Routes anyone may call (login, token exchange, health, confirmation links). */
export const publicRoute = routeKit({ kind: "public", security: [], middleware: () => [] as [], errors: [] });
