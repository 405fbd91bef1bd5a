import { z } from "@hono/zod-openapi";

/** Every stable error code the API can answer with, its HTTP status and its human title. */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: "The request is invalid" },
  malformed_json: { status: 400, title: "The request body is not valid JSON" },
  invalid_cursor: { status: 400, title: "The pagination cursor is malformed or was tampered with" },
  idempotency_key_missing: { status: 400, title: "This request requires an Idempotency-Key header" },
  invalid_idempotency_key: { status: 400, title: "The Idempotency-Key header is invalid" },
  invalid_if_match: { status: 400, title: "The If-Match header is invalid" },
  invalid_token: { status: 400, title: "The token is invalid, expired or already used" },
  unauthenticated: { status: 401, title: "Missing or invalid credentials" },
  invalid_credentials: { status: 401, title: "The email or password is wrong" },
  invalid_app_credentials: { status: 401, title: "The app id or app secret is wrong" },
  forbidden: { status: 403, title: "The credential is not allowed to do this" },
  customer_not_confirmed: { status: 403, title: "The store requires a confirmed email address first" },
  tenant_mismatch: { status: 403, title: "X-Tenant-Id does not name the credential's store" },
  not_found: { status: 404, title: "The resource does not exist" },
  route_not_found: { status: 404, title: "No route matches this path" },
  method_not_allowed: { status: 405, title: "The method is not allowed on this route" },
  conflict: { status: 409, title: "The request conflicts with the current state" },
  invalid_transition: { status: 409, title: "The resource cannot make this transition from its current state" },
  order_not_editable: { status: 409, title: "Only draft orders can be edited" },
  idempotency_key_in_flight: { status: 409, title: "A request with this Idempotency-Key is still running" },
  duplicate: { status: 409, title: "A resource with this unique value already exists" },
  insufficient_inventory: { status: 409, title: "Not enough inventory" },
  already_confirmed: { status: 409, title: "The email address is already confirmed" },
  insufficient_balance: { status: 409, title: "The balance or usage left no longer covers this" },
  invoice_not_open: { status: 409, title: "Only an open invoice can be collected or failed" },
  voucher_already_redeemed: { status: 409, title: "The voucher was already redeemed" },
  already_refunded: { status: 409, title: "The invoice is already fully refunded" },
  stale_version: { status: 412, title: "The resource was changed since you read it" },
  payload_too_large: { status: 413, title: "The request body is too large" },
  unsupported_media_type: { status: 415, title: "The request body must be application/json" },
  idempotency_key_reused: { status: 422, title: "The Idempotency-Key was used with another request" },
  order_empty: { status: 422, title: "The order has no lines" },
  customer_not_found: { status: 422, title: "The customer does not exist in this store" },
  product_not_found: { status: 422, title: "A product does not exist in this store" },
  currency_mismatch: { status: 422, title: "The amounts are in different currencies" },
  business_rule_violation: { status: 422, title: "A business rule refused the request" },
  code_not_applicable: { status: 422, title: "The code cannot be used" },
  checkout_incomplete: { status: 422, title: "The cart cannot be checked out yet" },
  out_of_stock: { status: 422, title: "Some items are no longer in stock" },
  payment_declined: { status: 422, title: "The payment was declined" },
  refund_too_large: { status: 422, title: "The refund is more than what is left to refund" },
  email_not_confirmed: { status: 422, title: "The customer has not confirmed their email address" },
  precondition_required: { status: 428, title: "This request requires an If-Match header" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal_error: { status: 500, title: "Something went wrong on our side" },
  service_unavailable: { status: 503, title: "A dependency is unavailable" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  path: string;
  message: string;
}

export interface ApiErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members merged into the problem body (e.g. `current_version`). */
  extra?: Record<string, unknown>;
}

/** The one error type of the API: a stable code, a safe human detail, optional field errors. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail?: string, options: ApiErrorOptions = {}) {
    super(detail ?? ERROR_CODES[code].title);
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Builds the RFC 9457 problem body for an error. */
export function problemBody(error: ApiError, requestId: string, docsUrl: string) {
  return {
    type: `${docsUrl}/${error.code}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    request_id: requestId,
    ...(error.errors ? { errors: error.errors } : {}),
    ...error.extra,
  };
}

export function problemResponse(error: ApiError, requestId: string, docsUrl: string): Response {
  const headers = new Headers(error.headers);
  headers.set("Content-Type", PROBLEM_CONTENT_TYPE);
  headers.set("X-Request-Id", requestId);
  return new Response(JSON.stringify(problemBody(error, requestId, docsUrl)), {
    status: error.status,
    headers,
  });
}

export const ProblemSchema = z
  .object({
    type: z.string().url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi("Problem", {
    example: {
      type: "https://edgeshop.dev/problems/validation_failed",
      title: "The request is invalid",
      status: 400,
      detail: "The request is invalid",
      code: "validation_failed",
      request_id: "req_4hX0c2Yx7QmB1aZk",
      errors: [{ path: "items[0].quantity", message: "Too small: expected number to be >=1" }],
    },
  });

/** Renders a zod issue path (["items", 0, "quantity"]) as "items[0].quantity". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

interface IssueLike {
  code: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  keys?: readonly string[];
}

/** Turns zod issues into field errors; unknown keys become one error per key. */
export function fieldErrorsFromIssues(issues: ReadonlyArray<IssueLike>, prefix?: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const base = prefix ? [prefix, ...issue.path] : [...issue.path];
    if (issue.code === "unrecognized_keys" && issue.keys) {
      for (const key of issue.keys) out.push({ path: formatPath([...base, key]), message: "Unknown field" });
    } else {
      out.push({ path: formatPath(base) || "(root)", message: issue.message });
    }
  }
  return out;
}
