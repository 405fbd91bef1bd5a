import { type SQL, sql } from "drizzle-orm";
import type { SQLiteRaw } from "drizzle-orm/sqlite-core/query-builders/raw";

/**
 * Makes a raw query (`db.run(sql...)`, `db.all(sql...)`) usable inside `db.batch`. drizzle-orm 0.45's
 * D1 batch binds parameters through a prepared `stmt` that raw queries never get, and throws.
 */
export function batchable<T extends SQLiteRaw<unknown>>(client: D1Database, raw: T): T {
  return Object.assign(raw, { stmt: client.prepare(raw.getQuery().sql) });
}

/** D1 refuses statements with more than 100 bound parameters. */
export const MAX_BOUND_PARAMETERS = 100;

/** Splits rows so that each multi-row statement binds at most `maxParams` parameters. */
export function chunkForParams<T>(rows: readonly T[], paramsPerRow: number, maxParams = MAX_BOUND_PARAMETERS): T[][] {
  if (paramsPerRow < 1 || paramsPerRow > maxParams) throw new RangeError("paramsPerRow out of range");
  const size = Math.floor(maxParams / paramsPerRow);
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

function messages(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message);
      current = (current as Error & { cause?: unknown }).cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join("\n");
}

/** True when D1 refused a write because of a UNIQUE index, optionally a specific `table.column`. */
export function isUniqueViolation(err: unknown, column?: string): boolean {
  const text = messages(err);
  if (!text.includes("UNIQUE constraint failed")) return false;
  return column === undefined || text.includes(column);
}

const GUARD_FAILED = "batch guard failed";

/**
 * A statement for `db.batch` that aborts the whole batch unless `condition` holds when it runs.
 * SQLite has no RAISE outside triggers, so the else-branch parses an invalid JSON text, which is an
 * error; batches are transactions, so everything before and after it rolls back.
 */
export function batchGuard(condition: SQL): SQL {
  return sql`SELECT CASE WHEN ${condition} THEN 1 ELSE json(${GUARD_FAILED}) END`;
}

/** True when a batch was aborted by a failed `batchGuard`. */
export function isBatchGuardFailure(err: unknown): boolean {
  return messages(err).includes("malformed JSON");
}

/** `batchGuard` as a batch item: the batch aborts here unless `condition` holds. */
export function guardStatement(db: { $client: D1Database; all: (query: SQL) => SQLiteRaw<unknown> }, condition: SQL) {
  return batchable(db.$client, db.all(batchGuard(condition)));
}

/** A guard that the statement just before it changed exactly one row. */
export function changedOneRow(db: { $client: D1Database; all: (query: SQL) => SQLiteRaw<unknown> }) {
  return guardStatement(db, sql`changes() = 1`);
}
