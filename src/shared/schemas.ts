import { z } from "@hono/zod-openapi";

/** An RFC 3339 UTC instant as the API answers it. */
export const Timestamp = z.string().openapi({ example: "2026-11-23T18:20:36.000Z", format: "date-time" });

export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

/** A flat string map: up to 50 keys of at most 40 characters, values up to 500. */
export const Metadata = z
  .record(z.string().min(1).max(METADATA_LIMITS.keyLength), z.string().max(METADATA_LIMITS.valueLength))
  .refine((value) => Object.keys(value).length <= METADATA_LIMITS.keys, { message: `At most ${METADATA_LIMITS.keys} keys` })
  .openapi({
    description: `Flat string map: up to ${METADATA_LIMITS.keys} keys of at most ${METADATA_LIMITS.keyLength} characters, values up to ${METADATA_LIMITS.valueLength}`,
    example: { supplier: "acme" },
  });

/** The answer of every `/count` endpoint. */
export const Count = z.object({ count: z.number().int().openapi({ example: 42 }) }).openapi("Count");

/**
 * The time-range rule of every list: `<field>_after` is inclusive (at or after), `<field>_before` is
 * exclusive (strictly before), so adjacent ranges `[a, b)` and `[b, c)` never overlap or leave a gap.
 */
export const TIME_RANGE_RULE = "`*_after` is inclusive (at or after), `*_before` is exclusive (strictly before).";

function instant(name: string, description: string) {
  return z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value).toISOString())
    .optional()
    .openapi({ param: { name, in: "query" }, type: "string", format: "date-time", description, example: "2026-11-01T00:00:00Z" });
}

/** `<field>_after` (inclusive) and `<field>_before` (exclusive) query filters on a timestamp. */
export function timeRange<F extends string>(field: F, noun: string) {
  return {
    [`${field}_after`]: instant(`${field}_after`, `Only ${noun} at or after this instant (inclusive)`),
    [`${field}_before`]: instant(`${field}_before`, `Only ${noun} strictly before this instant (exclusive)`),
  } as { [K in `${F}_after` | `${F}_before`]: ReturnType<typeof instant> };
}

/** A `true`/`false` query flag (anything else is 400). */
export function booleanQuery(name: string, description: string) {
  return z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional()
    .openapi({ param: { name, in: "query" }, type: "string", enum: ["true", "false"], description });
}

/** An expiry instant in a request: RFC 3339 with offset, normalized to UTC, and in the future. */
export const FutureInstant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .refine((value) => Date.parse(value) > Date.now(), { message: "Must be in the future" })
  .openapi({ type: "string", format: "date-time", example: "2027-12-31T23:59:59Z" });

/** A ledger's `reference`: what a balance change paid for or undid (an order id, a refund id, a note). */
export const Reference = z.string().trim().min(1).max(200).openapi({ example: "ord_8fJ2kq0LxY4m1Nw7pQzR3a" });
