import { type SQL, and, asc, count, desc, eq, getTableColumns, gt, gte, inArray, isNotNull, isNull, lt, lte, max, ne, sql, sum } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import objectMigrations from "./object-migrations";
import { idempotencyRecords, orderLines, orders, outbox } from "./orders.object-tables";
import type { Order, OrderEvent, OrderEventType, OrderFilters, OrderLine } from "./orders.schemas";
import type { CommandStore, CustomerOrderSummary, IdempotencyClaim, ListOrdersCommand, StoredResponse } from "./orders.service";

export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DELIVERED_EVENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

const PAID = ["closed", "shipped", "delivered"] as const;

/** Filter name → condition on the object's orders table. */
const FILTERS: { [K in keyof OrderFilters]-?: (value: NonNullable<OrderFilters[K]>) => SQL } = {
  status: (v) => eq(orders.status, v),
  customer_id: (v) => eq(orders.customer_id, v),
  created_after: (v) => gte(orders.created_at, v),
  created_before: (v) => lt(orders.created_at, v),
  shipped_after: (v) => gte(orders.shipped_at, v),
  shipped_before: (v) => lt(orders.shipped_at, v),
  delivered_after: (v) => gte(orders.delivered_at, v),
  delivered_before: (v) => lt(orders.delivered_at, v),
  canceled_after: (v) => gte(orders.canceled_at, v),
  canceled_before: (v) => lt(orders.canceled_at, v),
};

/** A placeholder per column (values bound at run time, through each column's encoder). */
function placeholders(table: SQLiteTable, except: readonly string[] = []) {
  return Object.fromEntries(Object.keys(getTableColumns(table)).filter((k) => !except.includes(k)).map((k) => [k, sql.placeholder(k)]));
}

/** `SET col = excluded.col` for every column but the conflict target. */
function fromExcluded(table: SQLiteTable, target: readonly string[]) {
  return Object.fromEntries(
    Object.entries(getTableColumns(table))
      .filter(([k]) => !target.includes(k))
      .map(([k, column]) => [k, sql.raw(`excluded.${column.name}`)]),
  );
}

const inJson = (ids: ReadonlyArray<string | number>) => sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/**
 * The object's storage: orders and their lines, idempotency records, the outbox and the schema
 * ledger. Every method is synchronous, so callers compose them inside one `transactionSync`.
 */
export class OrderLedger implements CommandStore {
  readonly #db: DrizzleSqliteDODatabase;
  readonly #storage: DurableObjectStorage;

  // The statements every command runs, built once per object: drizzle's query building was the
  // largest part of an order command's CPU profile (bench/profile.mjs order-confirm).
  readonly #prepared;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#db = drizzle(storage);
    const db = this.#db;
    this.#prepared = {
      order: db.select().from(orders).where(eq(orders.id, sql.placeholder("id"))).prepare(),
      lines: db
        .select()
        .from(orderLines)
        .where(sql`${orderLines.order_id} IN (SELECT value FROM json_each(${sql.placeholder("ids")}))`)
        .orderBy(asc(orderLines.order_id), asc(orderLines.position))
        .prepare(),
      response: db
        .select({ request_hash: idempotencyRecords.request_hash, status: idempotencyRecords.status, body: idempotencyRecords.body })
        .from(idempotencyRecords)
        .where(
          and(
            eq(idempotencyRecords.method, sql.placeholder("method")),
            eq(idempotencyRecords.route, sql.placeholder("route")),
            eq(idempotencyRecords.idempotency_key, sql.placeholder("key")),
            gt(idempotencyRecords.created_at, sql.placeholder("since")),
          ),
        )
        .prepare(),
      undelivered: db
        .select({ seq: outbox.seq, payload: outbox.payload })
        .from(outbox)
        .where(isNull(outbox.delivered_at))
        .orderBy(asc(outbox.seq))
        .limit(sql.placeholder("limit"))
        .prepare(),
      saveOrder: db
        .insert(orders)
        .values(placeholders(orders) as never)
        .onConflictDoUpdate({ target: orders.id, set: fromExcluded(orders, ["id"]) })
        .prepare(),
      insertLine: db.insert(orderLines).values(placeholders(orderLines) as never).prepare(),
      appendEvent: db.insert(outbox).values(placeholders(outbox, ["seq", "delivered_at"]) as never).prepare(),
      remember: db
        .insert(idempotencyRecords)
        .values(placeholders(idempotencyRecords) as never)
        .onConflictDoUpdate({
          target: [idempotencyRecords.method, idempotencyRecords.route, idempotencyRecords.idempotency_key],
          set: fromExcluded(idempotencyRecords, ["method", "route", "idempotency_key"]),
        })
        .prepare(),
    };
  }

  /** Applies the generated migrations not yet applied, each in its own transaction. */
  migrate() {
    this.#storage.sql.exec("CREATE TABLE IF NOT EXISTS stream_meta (key TEXT PRIMARY KEY, value)");
    const entries = [...objectMigrations.journal.entries].sort((a, b) => a.idx - b.idx);
    for (let version = Number(this.getMeta("schema_version") ?? 0); version < entries.length; version++) {
      const text = (objectMigrations.migrations as Record<string, string>)[`m${String(entries[version]!.idx).padStart(4, "0")}`];
      if (text === undefined) throw new Error(`Missing order stream migration ${entries[version]!.tag}`);
      this.#storage.transactionSync(() => {
        for (const statement of text.split("--> statement-breakpoint")) {
          if (statement.replace(/--[^\n]*/g, "").trim()) this.#storage.sql.exec(statement);
        }
        this.setMeta("schema_version", version + 1);
      });
    }
  }

  getMeta(key: string): SqlStorageValue | undefined {
    return this.#storage.sql.exec<{ value: SqlStorageValue }>("SELECT value FROM stream_meta WHERE key = ?", key).toArray()[0]?.value;
  }

  setMeta(key: string, value: SqlStorageValue) {
    this.#storage.sql.exec("INSERT OR REPLACE INTO stream_meta (key, value) VALUES (?, ?)", key, value);
  }

  load(orderId: string): Order | null {
    const row = this.#prepared.order.get({ id: orderId });
    return row ? this.#withLines([row])[0]! : null;
  }

  /** Writes the order (and its lines when new or changed); returns its JSON. */
  save(order: Order, isNew: boolean): string {
    const { lines, ...row } = order;
    this.#prepared.saveOrder.run(row);
    const stored = isNew ? "" : this.#linesOf([order.id]).map((line) => line.id).join(",");
    if (isNew || stored !== lines.map((line) => line.id).join(",")) {
      if (!isNew) this.#db.delete(orderLines).where(eq(orderLines.order_id, order.id)).run();
      // One row per statement: the object's SQLite takes at most 100 bound parameters per query.
      lines.forEach((line, position) => this.#prepared.insertLine.run({ ...line, order_id: order.id, position }));
    }
    return JSON.stringify(order);
  }

  list(command: ListOrdersCommand): Order[] {
    const conditions = this.#conditions(command.filters);
    if (command.after) conditions.push(sql`(${orders.created_at}, ${orders.id}) < (${command.after[0]}, ${command.after[1]})`);
    const rows = this.#db
      .select()
      .from(orders)
      .where(and(...conditions))
      .orderBy(desc(orders.created_at), desc(orders.id))
      .limit(command.limit)
      .all();
    return this.#withLines(rows);
  }

  count(filters: OrderFilters): number {
    return this.#db.select({ n: count() }).from(orders).where(and(...this.#conditions(filters))).get()?.n ?? 0;
  }

  /** Paid totals per currency (paid = closed, shipped or delivered) and the newest placed order, per customer. */
  customerSummaries(customerIds: readonly string[], recentLimit: number): Record<string, CustomerOrderSummary> {
    const ids = sql`${orders.customer_id} IN ${inJson(customerIds)}`;
    const paid = this.#db
      .select({ customer_id: orders.customer_id, currency: orders.currency, total: sum(orders.total_cents).mapWith(Number) })
      .from(orders)
      .where(and(ids, inArray(orders.status, PAID)))
      .groupBy(orders.customer_id, orders.currency)
      .all();
    const last = this.#db
      .select({ customer_id: orders.customer_id, at: max(orders.created_at) })
      .from(orders)
      .where(and(ids, ne(orders.status, "draft")))
      .groupBy(orders.customer_id)
      .all();
    const out: Record<string, CustomerOrderSummary> = {};
    for (const customerId of customerIds) {
      out[customerId] = {
        paid_cents_by_currency: Object.fromEntries(paid.filter((r) => r.customer_id === customerId).map((r) => [r.currency, r.total])),
        last_order_at: last.find((r) => r.customer_id === customerId)?.at ?? null,
        recent_orders: recentLimit > 0 ? this.list({ filters: { customer_id: customerId }, after: null, limit: recentLimit }) : [],
      };
    }
    return out;
  }

  /** The stored response for a key, unless past retention (then the key is free, purged or not). */
  findResponse(claim: IdempotencyClaim, nowMs: number): StoredResponse | null {
    const row = this.#prepared.response.get({ method: claim.method, route: claim.route, key: claim.key, since: nowMs - IDEMPOTENCY_RETENTION_MS });
    return row ?? null;
  }

  rememberResponse(claim: IdempotencyClaim, status: number, body: string, nowMs: number) {
    const row = { method: claim.method, route: claim.route, idempotency_key: claim.key, request_hash: claim.requestHash, status, body, created_at: nowMs };
    this.#prepared.remember.run(row);
  }

  appendEvent(storeId: string, type: OrderEventType, order: Order, orderJson: string, nowMs: number) {
    const id = newId("evt");
    const envelope: Omit<OrderEvent, "data"> = { id, type, created_at: nowIso(nowMs), store_id: storeId };
    // The order JSON is spliced in as text: it was just serialized once for the stored response.
    const payload = `${JSON.stringify(envelope).slice(0, -1)},"data":{"order":${orderJson}}}`;
    this.#prepared.appendEvent.run({ id, type, order_id: order.id, order_version: order.version, payload, created_at: nowMs });
  }

  undelivered(limit: number): Array<{ seq: number; payload: string }> {
    return this.#prepared.undelivered.all({ limit });
  }

  hasUndelivered(): boolean {
    return this.undelivered(1).length > 0;
  }

  markDelivered(seqs: readonly number[], nowMs: number) {
    this.#db.update(outbox).set({ delivered_at: nowMs }).where(sql`${outbox.seq} IN ${inJson(seqs)}`).run();
  }

  purge(nowMs: number) {
    this.#db.delete(idempotencyRecords).where(lte(idempotencyRecords.created_at, nowMs - IDEMPOTENCY_RETENTION_MS)).run();
    this.#db.delete(outbox).where(and(isNotNull(outbox.delivered_at), lte(outbox.delivered_at, nowMs - DELIVERED_EVENT_RETENTION_MS))).run();
  }

  /** When the next record or delivered event expires, or null when there is nothing to purge. */
  nextExpiry(): number | null {
    const record = this.#db.select({ at: sql<number | null>`MIN(${idempotencyRecords.created_at})` }).from(idempotencyRecords).get();
    const event = this.#db.select({ at: sql<number | null>`MIN(${outbox.delivered_at})` }).from(outbox).where(isNotNull(outbox.delivered_at)).get();
    const times = [
      record?.at != null ? record.at + IDEMPOTENCY_RETENTION_MS : null,
      event?.at != null ? event.at + DELIVERED_EVENT_RETENTION_MS : null,
    ].filter((at): at is number => at !== null);
    return times.length ? Math.min(...times) : null;
  }

  #conditions(filters: OrderFilters): SQL[] {
    const out: SQL[] = [];
    for (const [name, condition] of Object.entries(FILTERS) as Array<[keyof OrderFilters, (value: string) => SQL]>) {
      const value = filters[name];
      if (value !== undefined) out.push(condition(value));
    }
    return out;
  }

  #linesOf(orderIds: readonly string[]) {
    return this.#prepared.lines.all({ ids: JSON.stringify(orderIds) });
  }

  #withLines(rows: Array<Omit<Order, "lines">>): Order[] {
    if (rows.length === 0) return [];
    const byOrder = new Map<string, OrderLine[]>();
    for (const { order_id, position: _position, ...line } of this.#linesOf(rows.map((row) => row.id))) {
      byOrder.set(order_id, [...(byOrder.get(order_id) ?? []), line]);
    }
    return rows.map((row) => ({ ...row, lines: byOrder.get(row.id) ?? [] }));
  }
}
