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
