import { z } from "@hono/zod-openapi";
import { type SQL, type SQLWrapper, and, desc, eq, lt, or, sql } from "drizzle-orm";
import { base64UrlDecode, base64UrlEncode, hmacSha256, timingSafeEqualBytes, utf8 } from "./crypto";
import { ApiError } from "./errors";
import { type SecretSource, acceptedSecrets, currentSecret, purposeKey } from "./keys";

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** An empty query value (`?limit=`) means the parameter is absent: one rule for every list parameter. */
const emptyIsAbsent = (value: unknown) => (value === "" ? undefined : value);

/** `?limit=&cursor=` for every list endpoint. */
export const PageQuerySchema = z.object({
  limit: z
    .preprocess(emptyIsAbsent, z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT))
    .openapi({
      param: { name: "limit", in: "query" },
      type: "integer",
      minimum: 1,
      maximum: MAX_PAGE_LIMIT,
      default: DEFAULT_PAGE_LIMIT,
      example: 20,
      description: "Page size, 1-100 (default 20); an empty value means the default",
    }),
  cursor: z
    .preprocess(emptyIsAbsent, z.string().max(1024).optional())
    .openapi({
      param: { name: "cursor", in: "query" },
      type: "string",
      maxLength: 1024,
      description: "Opaque cursor from `next_cursor`; absent or empty: the first page",
    }),
});

export type KeyValue = string | number;

const SIGNATURE_BYTES = 16;

/**
 * Encodes a keyset position as `<payload>.<mac>`: the payload is the sort key of the last row,
 * bound to a scope (store and list) so a cursor cannot be replayed against another list or tenant.
 */
export async function encodeCursor(secret: SecretSource, scope: string, values: KeyValue[]): Promise<string> {
  const payload = utf8.encode(JSON.stringify(values));
  const mac = await sign(currentSecret(secret), scope, payload);
  return `${base64UrlEncode(payload)}.${base64UrlEncode(mac)}`;
}

/**
 * Decodes and verifies a cursor (signed with the current or, during a rotation, the previous
 * secret); anything malformed or tampered is a 400 `invalid_cursor`.
 */
export async function decodeCursor(
  secret: SecretSource,
  scope: string,
  cursor: string,
  shape: ReadonlyArray<"string" | "number">,
): Promise<KeyValue[]> {
  const [payloadText, macText, extra] = cursor.split(".");
  const payload = base64UrlDecode(payloadText ?? "");
  const mac = base64UrlDecode(macText ?? "");
  if (extra !== undefined || !payload || !mac || payload.length === 0) throw new ApiError("invalid_cursor");
  let verified = false;
  for (const candidate of acceptedSecrets(secret)) {
    if (timingSafeEqualBytes(mac, await sign(candidate, scope, payload))) verified = true;
  }
  if (!verified) throw new ApiError("invalid_cursor");
  let values: unknown;
  try {
    values = JSON.parse(utf8.decode(payload));
  } catch {
    throw new ApiError("invalid_cursor");
  }
  if (!Array.isArray(values) || values.length !== shape.length) throw new ApiError("invalid_cursor");
  values.forEach((value, i) => {
    if (typeof value !== shape[i]) throw new ApiError("invalid_cursor");
  });
  return values as KeyValue[];
}

async function sign(secret: string, scope: string, payload: Uint8Array): Promise<Uint8Array> {
  const key = await purposeKey(secret, "cursor");
  const scoped = new Uint8Array([...utf8.encode(scope), 0, ...payload]);
  return (await hmacSha256(key, scoped)).slice(0, SIGNATURE_BYTES);
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Cuts `limit + 1` fetched rows into a page: the extra row only proves there is a next page, whose
 * cursor is the sort key of the last row returned.
 */
export async function toPage<Row, Out>(
  rows: Row[],
  limit: number,
  secret: SecretSource,
  scope: string,
  keyOf: (row: Row) => KeyValue[],
  present: (row: Row) => Out,
): Promise<Page<Out>> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  const next_cursor = hasMore && last !== undefined ? await encodeCursor(secret, scope, keyOf(last)) : null;
  return { data: pageRows.map(present), next_cursor };
}

export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null at the end" }),
    })
    .openapi(name);
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/**
 * The one keyset query of every D1 list, newest first on (created_at, id): put `where` into the
 * list's conditions, `orderBy` and `limit` on the query, and cut the rows with `page()`. The cursor
 * is bound to `scope` (store, list and anything else that must not change between pages).
 */
export async function paginate(
  secret: SecretSource,
  scope: string,
  request: PageRequest,
  keys: { createdAt: SQLWrapper; id: SQLWrapper },
) {
  const after = request.cursor ? await decodeCursor(secret, scope, request.cursor, ["string", "string"]) : null;
  const where: SQL | undefined = after
    ? or(lt(keys.createdAt, String(after[0])), and(eq(keys.createdAt, String(after[0])), lt(keys.id, String(after[1]))))
    : undefined;
  return {
    where,
    orderBy: [desc(keys.createdAt), desc(keys.id)] as const,
    /** One row more than the page, to learn whether a next page exists. */
    limit: request.limit + 1,
    page: <Row extends { createdAt: string; id: string }, Out>(rows: Row[], present: (row: Row) => Out) =>
      toPage(rows, request.limit, secret, scope, (r) => [r.createdAt, r.id], present),
  };
}

/**
 * The keyset condition of `paginate` on placeholders (`after_created_at`, `after_id`), for prepared
 * list queries; `pagePosition` turns a request's cursor into their values.
 */
export function keysetAfterPlaceholders(keys: { createdAt: SQLWrapper; id: SQLWrapper }): SQL {
  const createdAt = sql.placeholder("after_created_at");
  return or(lt(keys.createdAt, createdAt), and(eq(keys.createdAt, createdAt), lt(keys.id, sql.placeholder("after_id"))))!;
}

/** The verified position a cursor names, as placeholder values; null on the first page. */
export async function pagePosition(secret: SecretSource, scope: string, cursor: string | undefined) {
  if (!cursor) return null;
  const [createdAt, id] = await decodeCursor(secret, scope, cursor, ["string", "string"]);
  return { after_created_at: String(createdAt), after_id: String(id) };
}
