import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

// drizzle() derives the relational config from the whole schema on every call, the largest single
// item in a product GET's CPU profile (bench/profile.mjs). A client holds no connection or request
// state, so one per D1 binding object is reused; a new binding object gets its own.
const clients = new WeakMap<D1Database, ReturnType<typeof build>>();

function build(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** The drizzle client over a D1 binding (memoized per binding object, never a module-level client). */
export function createDb(d1: D1Database) {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}

export type Db = ReturnType<typeof createDb>;

const preparedByDb = new WeakMap<Db, Map<string, unknown>>();

/**
 * A query built and prepared once per client (so once per isolate and D1 binding), then run with
 * `sql.placeholder` values. Building a drizzle query walks its columns and chunks with `is()` checks;
 * on a product GET that was 0.18 ms of 1.57 ms of JS CPU (bench/profile.mjs). Only for hot queries
 * of a fixed shape: `key` must name the shape exactly.
 */
export function prepared<T>(db: Db, key: string, build: (db: Db) => T): T {
  let byKey = preparedByDb.get(db);
  if (!byKey) {
    byKey = new Map();
    preparedByDb.set(db, byKey);
  }
  let query = byKey.get(key) as T | undefined;
  if (query === undefined) {
    query = build(db);
    byKey.set(key, query);
  }
  return query;
}
