import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { ApiError, ProblemSchema, fieldErrorsFromIssues } from "./errors";

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
  503: "A dependency is unavailable (`service_unavailable`)",
};

/** The problem+json responses of a route, declared once and spread into its `responses`. */
export function errorResponses(...statuses: number[]) {
  const all = [...new Set([400, ...statuses])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? "Error",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  ) as Record<number, { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }>;
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A required JSON request body (unknown fields are rejected by strict schemas). */
/** Statuses every route with a JSON body can answer besides its own. */
export const BODY_ERRORS = [400, 413, 415] as const;

export function jsonRequest<T extends z.ZodType>(schema: T, description?: string) {
  return { body: { required: true, description, content: { "application/json": { schema } } } };
}

export const SECURITY: Record<"apiKey" | "operator" | "none", Array<Record<string, string[]>>> = {
  apiKey: [{ apiKey: [] }],
  operator: [{ operatorToken: [] }],
  none: [],
};

// Header schemas document headers under their canonical names; handlers read the headers
// themselves (hono lower-cases validated header keys), so these stay optional here.
export const IdempotencyKeyHeader = z
  .string()
  .optional()
  .openapi({
        description: "1-255 printable ASCII characters; repeats within 24 h replay the first response",
    example: "6f1c1a0e-3f59-4b43-9d83-5d6b3a1e2c77",
  });

export const IfMatchHeader = z
  .string()
  .optional()
  .openapi({
        description: 'The resource version as an ETag, e.g. "3"; required (428 when missing)',
    example: '"3"',
  });

export const TenantHeader = z
  .string()
  .optional()
  .openapi({
        description: "Optional; when sent it must name the credential's store (403 otherwise)",
    example: "store_8fJ2kq0LxY4m1Nw7pQzR3a",
  });

export function idParam<N extends string = "id">(prefix: string, name: N = "id" as N) {
  const shape = {
    [name]: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name, in: "path" }, example: `${prefix}_8fJ2kq0LxY4m1Nw7pQzR3a` }),
  } as Record<N, z.ZodString>;
  return z.object(shape);
}
