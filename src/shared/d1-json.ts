import { type SQL, getTableColumns, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * A scalar subquery returning one row of `table` as a JSON object keyed by column name, for a batch
 * to capture state it just wrote (see `Write.snapshot`). `rowFromJson` maps it back to the row type.
 */
export function rowJson(table: SQLiteTable, where: SQL): SQL {
  const pairs = Object.values(getTableColumns(table)).map((column) => sql`${column.name}, ${sql.identifier(column.name)}`);
  return sql`(SELECT json_object(${sql.join(pairs, sql`, `)}) FROM ${table} WHERE ${where})`;
}

export function rowFromJson<T extends SQLiteTable>(table: T, json: Record<string, unknown>): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T["$inferSelect"];
}

/** Like `rowJson`, for every row matching `where`: a JSON array of objects. */
export function rowsJson(table: SQLiteTable, where: SQL): SQL {
  const pairs = Object.values(getTableColumns(table)).map((column) => sql`${column.name}, ${sql.identifier(column.name)}`);
  return sql`(SELECT json_group_array(json_object(${sql.join(pairs, sql`, `)})) FROM ${table} WHERE ${where})`;
}
