import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../context";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import type {
  CancellationReason,
  CreateOrderInput,
  Order,
  OrderEvent,
  OrderEventType,
  OrderFilters,
  OrderLine,
  UpdateOrderInput,
} from "./orders.schemas";
import {
  type OrderAction,
  OrderRuleError,
  type OrderRuleFailure,
  draftOrder,
  editDraft,
  transition,
} from "./orders.service";

/** Who sent a command under which `Idempotency-Key`, and the fingerprint of what they sent. */
export interface IdempotencyClaim {
  credentialId: string;
  method: string;
  route: string;
  key: string;
  requestHash: string;
}

export interface CreateOrderCommand {
  storeId: string;
  idempotency: IdempotencyClaim;
  input: CreateOrderInput;
  defaultCurrency: string;
}

export interface UpdateOrderCommand {
  storeId: string;
  orderId: string;
  expectedVersion: number;
  patch: UpdateOrderInput;
}

export interface TransitionOrderCommand {
  storeId: string;
  orderId: string;
  action: OrderAction;
  expectedVersion: number;
  idempotency: IdempotencyClaim | null;
  cancellationReason?: CancellationReason | undefined;
}

export type CommandResult =
  | { ok: true; status: 200 | 201; order: Order; replayed: boolean }
  | { ok: false; failure: OrderRuleFailure };

export interface CustomerOrderSummary {
  paid_cents_by_currency: Record<string, number>;
  last_order_at: string | null;
  recent_orders: Order[];
}

export interface ListOrdersCommand {
  filters: OrderFilters;
  /** Keyset position: the (created_at, id) of the last row already returned. */
  after: [string, string] | null;
  /** Rows to return; callers ask for one more than a page to learn whether another page exists. */
  limit: number;
}

export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DELIVERED_EVENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Commands arm the relay this long after the first undelivered event, so bursts share one send. */
export const RELAY_DELAY_MS = 50;
const RELAY_BATCH_ROWS = 100;
const RELAY_MAX_ROUNDS = 20;
/** Queues take up to 100 messages and 256 KB per sendBatch; stay under both. */
const SEND_BATCH_BYTES = 200_000;
const RELAY_BACKOFF_MAX_MS = 5 * 60 * 1000;

/**
 * SQLite schema of the object, one entry per version; applied in order in the constructor. Never edit
 * an entry that has shipped: add the next one.
 */
const SCHEMA: readonly string[] = [
  `
  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    customer_id TEXT,
    currency TEXT NOT NULL,
    subtotal_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    notes TEXT,
    metadata TEXT NOT NULL,
    cancellation_reason TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    confirmed_at TEXT,
    closed_at TEXT,
    shipped_at TEXT,
    delivered_at TEXT,
    canceled_at TEXT
  );
  CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
  CREATE INDEX orders_status_created ON orders (status, created_at DESC, id DESC);
  CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC, id DESC);
  CREATE INDEX orders_shipped ON orders (shipped_at) WHERE shipped_at IS NOT NULL;
  CREATE INDEX orders_delivered ON orders (delivered_at) WHERE delivered_at IS NOT NULL;
  CREATE INDEX orders_canceled ON orders (canceled_at) WHERE canceled_at IS NOT NULL;
  CREATE TABLE order_lines (
    order_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    title TEXT,
    quantity INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, position)
  ) WITHOUT ROWID;
  CREATE TABLE idempotency_records (
    credential_id TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (credential_id, method, route, idempotency_key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_records_created ON idempotency_records (created_at);
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    order_id TEXT NOT NULL,
    order_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
  );
  CREATE INDEX outbox_undelivered ON outbox (seq) WHERE delivered_at IS NULL;
  CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
  `,
];

type OrderRow = {
  id: string;
  status: Order["status"];
  customer_id: string | null;
  currency: string;
  subtotal_cents: number;
  total_cents: number;
  notes: string | null;
  metadata: string;
  cancellation_reason: Order["cancellation_reason"];
  version: number;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  closed_at: string | null;
  shipped_at: string | null;
  delivered_at: string | null;
  canceled_at: string | null;
};

type LineRow = OrderLine & { order_id: string; position: number };

type IdempotencyRow = { request_hash: string; status: number; body: string; created_at: number };

/** Filter name → SQL condition on the object's orders table (names are fixed, values are bound). */
const FILTER_SQL: Record<keyof OrderFilters, string> = {
  status: "status = ?",
  customer_id: "customer_id = ?",
  created_after: "created_at >= ?",
  created_before: "created_at < ?",
  shipped_after: "shipped_at >= ?",
  shipped_before: "shipped_at < ?",
  delivered_after: "delivered_at >= ?",
  delivered_before: "delivered_at < ?",
  canceled_after: "canceled_at >= ?",
  canceled_before: "canceled_at < ?",
};

/**
 * One per store: the single writer and source of truth for the store's orders, their lines and
 * versions, idempotency records and outbox events. Every command is one synchronous
 * `transactionSync` with no `await` inside, so commands are serialized and each one's
 * idempotency check, version check, state change, event and stored response commit together or not
 * at all. The alarm relays the outbox to the `ORDER_EVENTS` queue and purges expired records.
 */
export class OrderStream extends DurableObject<Bindings> {
  readonly #sql: SqlStorage;
  /** True while an alarm is scheduled that will relay the undelivered events (or is running). */
  #relayArmed = false;
  #relayChain: Promise<void> = Promise.resolve();

  /**
   * Test-only fault injection: while positive, the relay throws right after a successful send (and
   * decrements it), as if the object crashed before marking the events delivered. Never set in code.
   */
  failRelaysAfterSend = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      this.#migrate();
      if (this.#hasUndelivered()) {
        // A crash between a command's commit and its setAlarm must not strand events.
        const alarm = await ctx.storage.getAlarm();
        if (alarm === null || alarm > Date.now() + RELAY_DELAY_MS) await ctx.storage.setAlarm(Date.now());
        this.#relayArmed = true;
      }
    });
  }

  /** Cheapest possible round trip: the benchmark's RPC ceiling. */
  ping(): "pong" {
    return "pong";
  }

  createOrder(command: CreateOrderCommand): CommandResult {
    return this.#command(command.storeId, command.idempotency, 201, (now) => ({
      order: draftOrder(command.input, command.defaultCurrency, now),
      event: "order.created",
    }));
  }

  updateOrder(command: UpdateOrderCommand): CommandResult {
    return this.#command(command.storeId, null, 200, (now) => ({
      order: editDraft(this.#require(command.orderId), command.expectedVersion, command.patch, now),
      event: "order.updated",
    }));
  }

  transitionOrder(command: TransitionOrderCommand): CommandResult {
    return this.#command(command.storeId, command.idempotency, 200, (now) =>
      transition(this.#require(command.orderId), command.action, command.expectedVersion, now, {
        cancellationReason: command.cancellationReason,
      }),
    );
  }

  getOrder(orderId: string): Order | null {
    return this.#load(orderId);
  }

  /**
   * What the customers module shows of each customer's orders: paid totals per currency (paid =
   * closed, shipped or delivered), the newest placed (non-draft) order's time, and optionally the
   * newest orders themselves. Read from the stream, so it is as fresh as the orders.
   */
  customerSummaries(customerIds: string[], recentLimit: number): Record<string, CustomerOrderSummary> {
    const out: Record<string, CustomerOrderSummary> = {};
    for (const customerId of customerIds.slice(0, 100)) {
      const paid = this.#sql
        .exec<{ currency: string; total: number }>(
          `SELECT currency, SUM(total_cents) AS total FROM orders
           WHERE customer_id = ? AND status IN ('closed', 'shipped', 'delivered') GROUP BY currency`,
          customerId,
        )
        .toArray();
      const last = this.#sql
        .exec<{ at: string | null }>("SELECT MAX(created_at) AS at FROM orders WHERE customer_id = ? AND status <> 'draft'", customerId)
        .one();
      out[customerId] = {
        paid_cents_by_currency: Object.fromEntries(paid.map((row) => [row.currency, row.total])),
        last_order_at: last.at,
        recent_orders:
          recentLimit > 0
            ? this.listOrders({ filters: { customer_id: customerId } as OrderFilters, after: null, limit: recentLimit })
            : [],
      };
    }
    return out;
  }

  listOrders(command: ListOrdersCommand): Order[] {
    const { where, bindings } = this.#where(command.filters);
    if (command.after) {
      where.push("(created_at, id) < (?, ?)");
      bindings.push(command.after[0], command.after[1]);
    }
    const rows = this.#sql
      .exec<OrderRow>(
        `SELECT * FROM orders ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT ?`,
        ...bindings,
        command.limit,
      )
      .toArray();
    return this.#withLines(rows);
  }

  countOrders(filters: OrderFilters): number {
    const { where, bindings } = this.#where(filters);
    const row = this.#sql
      .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM orders ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`, ...bindings)
      .one();
    return row.n;
  }

  /**
   * Relays undelivered events in commit order, at least once: a batch is marked delivered only after
   * the queue accepted it, so a crash or a failed send re-sends it later and consumers dedupe. Then
   * purges idempotency records past 24 h and delivered events past 7 days, and schedules itself again.
   */
  override async alarm(): Promise<void> {
    // The platform runs one alarm at a time; tests may also call alarm() directly. Never overlap relays.
    const run = this.#relayChain.then(() => this.#relayAndSchedule());
    this.#relayChain = run.catch(() => undefined);
    return run;
  }

  async #relayAndSchedule(): Promise<void> {
    try {
      await this.#relay();
    } catch (error) {
      const failures = this.#bumpRelayFailures();
      // Our own backoff outlives the platform's six alarm retries, so delivery never stops. Setting
      // an alarm inside a failing handler replaces the platform's retry of this one.
      const delay = Math.min(1000 * 2 ** failures, RELAY_BACKOFF_MAX_MS);
      void this.ctx.storage.setAlarm(Date.now() + delay + Math.floor(Math.random() * 1000));
      this.#relayArmed = true;
      throw error;
    }
    this.#setMeta("relay_failures", 0);
    const now = Date.now();
    this.#purge(now);
    this.#scheduleAfterRelay(now);
  }

  #command(
    storeId: string,
    idempotency: IdempotencyClaim | null,
    status: 200 | 201,
    apply: (now: string) => { order: Order; event: OrderEventType },
  ): CommandResult {
    const nowMs = Date.now();
    let result: CommandResult;
    try {
      result = this.ctx.storage.transactionSync((): CommandResult => {
        if (idempotency) {
          const prior = this.#findIdempotency(idempotency, nowMs);
          if (prior) {
            if (prior.request_hash !== idempotency.requestHash) {
              return {
                ok: false,
                failure: { code: "idempotency_key_reused", detail: "This Idempotency-Key was used with a different request" },
              };
            }
            return { ok: true, status: prior.status as 200 | 201, order: JSON.parse(prior.body) as Order, replayed: true };
          }
        }
        const { order, event } = apply(nowIso(nowMs));
        const body = this.#save(order, status === 201);
        this.#appendEvent(storeId, event, order, body, nowMs);
        if (idempotency) this.#rememberResponse(idempotency, status, body, nowMs);
        return { ok: true, status, order, replayed: false };
      });
    } catch (error) {
      if (error instanceof OrderRuleError) return { ok: false, failure: error.failure };
      throw error;
    }
    if (result.ok && !result.replayed) this.#armRelay();
    return result;
  }

  #require(orderId: string): Order {
    const order = this.#load(orderId);
    if (!order) throw new OrderRuleError({ code: "not_found", detail: "Order not found" });
    return order;
  }

  #findIdempotency(claim: IdempotencyClaim, nowMs: number): IdempotencyRow | null {
    const row = this.#sql
      .exec<IdempotencyRow>(
        `SELECT request_hash, status, body, created_at FROM idempotency_records
         WHERE credential_id = ? AND method = ? AND route = ? AND idempotency_key = ?`,
        claim.credentialId,
        claim.method,
        claim.route,
        claim.key,
      )
      .toArray()[0];
    // Past retention the key is free again, even before the alarm purges the record.
    if (!row || row.created_at <= nowMs - IDEMPOTENCY_RETENTION_MS) return null;
    return row;
  }

  #rememberResponse(claim: IdempotencyClaim, status: number, body: string, nowMs: number) {
    this.#sql.exec(
      `INSERT OR REPLACE INTO idempotency_records
         (credential_id, method, route, idempotency_key, request_hash, status, body, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      claim.credentialId,
      claim.method,
      claim.route,
      claim.key,
      claim.requestHash,
      status,
      body,
      nowMs,
    );
  }

  /** Writes the order (and its lines when new or changed); returns its JSON. */
  #save(order: Order, isNew: boolean): string {
    this.#sql.exec(
      `INSERT INTO orders (id, status, customer_id, currency, subtotal_cents, total_cents, notes, metadata,
         cancellation_reason, version, created_at, updated_at, confirmed_at, closed_at, shipped_at, delivered_at, canceled_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, customer_id = excluded.customer_id,
         currency = excluded.currency, subtotal_cents = excluded.subtotal_cents, total_cents = excluded.total_cents,
         notes = excluded.notes, metadata = excluded.metadata, cancellation_reason = excluded.cancellation_reason,
         version = excluded.version, updated_at = excluded.updated_at, confirmed_at = excluded.confirmed_at,
         closed_at = excluded.closed_at, shipped_at = excluded.shipped_at, delivered_at = excluded.delivered_at,
         canceled_at = excluded.canceled_at`,
      order.id,
      order.status,
      order.customer_id,
      order.currency,
      order.subtotal_cents,
      order.total_cents,
      order.notes,
      JSON.stringify(order.metadata),
      order.cancellation_reason,
      order.version,
      order.created_at,
      order.updated_at,
      order.confirmed_at,
      order.closed_at,
      order.shipped_at,
      order.delivered_at,
      order.canceled_at,
    );
    const linesChanged = isNew || this.#lineIds(order.id) !== order.lines.map((line) => line.id).join(",");
    if (linesChanged) {
      if (!isNew) this.#sql.exec("DELETE FROM order_lines WHERE order_id = ?", order.id);
      order.lines.forEach((line, position) => {
        this.#sql.exec(
          `INSERT INTO order_lines (order_id, position, id, product_id, title, quantity, unit_price_cents, total_cents)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          order.id,
          position,
          line.id,
          line.product_id,
          line.title,
          line.quantity,
          line.unit_price_cents,
          line.total_cents,
        );
      });
    }
    return JSON.stringify(order);
  }

  #lineIds(orderId: string): string {
    return this.#sql
      .exec<{ id: string }>("SELECT id FROM order_lines WHERE order_id = ? ORDER BY position", orderId)
      .toArray()
      .map((row) => row.id)
      .join(",");
  }

  #appendEvent(storeId: string, type: OrderEventType, order: Order, orderJson: string, nowMs: number) {
    const id = newId("evt");
    const envelope: Omit<OrderEvent, "data"> = { id, type, created_at: nowIso(nowMs), store_id: storeId };
    // The order JSON is spliced in as text: it was just serialized once for the stored response.
    const payload = `${JSON.stringify(envelope).slice(0, -1)},"data":{"order":${orderJson}}}`;
    this.#sql.exec(
      "INSERT INTO outbox (id, type, order_id, order_version, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      type,
      order.id,
      order.version,
      payload,
      nowMs,
    );
  }

  #armRelay() {
    if (this.#relayArmed) return;
    this.#relayArmed = true;
    // Not awaited: the output gate holds the reply until the alarm is durably set.
    void this.ctx.storage.setAlarm(Date.now() + RELAY_DELAY_MS);
  }

  async #relay(): Promise<void> {
    for (let round = 0; round < RELAY_MAX_ROUNDS; round++) {
      const rows = this.#sql
        .exec<{ seq: number; payload: string }>(
          "SELECT seq, payload FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?",
          RELAY_BATCH_ROWS,
        )
        .toArray();
      if (rows.length === 0) return;
      for (const chunk of chunkBySize(rows)) {
        await this.env.ORDER_EVENTS.sendBatch(
          chunk.map((row) => ({ body: JSON.parse(row.payload) as OrderEvent, contentType: "json" as const })),
        );
        if (this.failRelaysAfterSend > 0) {
          this.failRelaysAfterSend -= 1;
          throw new Error("Injected relay failure after send (test-only)");
        }
        this.#sql.exec(
          "UPDATE outbox SET delivered_at = ? WHERE seq IN (SELECT value FROM json_each(?))",
          Date.now(),
          JSON.stringify(chunk.map((row) => row.seq)),
        );
      }
    }
  }

  #purge(nowMs: number) {
    this.#sql.exec("DELETE FROM idempotency_records WHERE created_at <= ?", nowMs - IDEMPOTENCY_RETENTION_MS);
    this.#sql.exec(
      "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at <= ?",
      nowMs - DELIVERED_EVENT_RETENTION_MS,
    );
  }

  /** Runs synchronously after the relay's last await, so it sees every event committed meanwhile. */
  #scheduleAfterRelay(nowMs: number) {
    if (this.#hasUndelivered()) {
      void this.ctx.storage.setAlarm(nowMs);
      this.#relayArmed = true;
      return;
    }
    this.#relayArmed = false;
    const next = this.#sql
      .exec<{ at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(created_at) + ? AS at FROM idempotency_records
           UNION ALL
           SELECT MIN(delivered_at) + ? AS at FROM outbox WHERE delivered_at IS NOT NULL)`,
        IDEMPOTENCY_RETENTION_MS,
        DELIVERED_EVENT_RETENTION_MS,
      )
      .one().at;
    // A purge-only alarm; the next command replaces it with a relay alarm, which purges too.
    if (next !== null) void this.ctx.storage.setAlarm(Math.max(next + 1000, nowMs + 1000));
  }

  #hasUndelivered(): boolean {
    return this.#sql.exec("SELECT 1 FROM outbox WHERE delivered_at IS NULL LIMIT 1").toArray().length > 0;
  }

  #bumpRelayFailures(): number {
    const failures = Number(this.#getMeta("relay_failures") ?? 0) + 1;
    this.#setMeta("relay_failures", failures);
    return failures;
  }

  #where(filters: OrderFilters): { where: string[]; bindings: Array<string | number> } {
    const where: string[] = [];
    const bindings: Array<string | number> = [];
    for (const [name, condition] of Object.entries(FILTER_SQL) as Array<[keyof OrderFilters, string]>) {
      const value = filters[name];
      if (value === undefined) continue;
      where.push(condition);
      bindings.push(value);
    }
    return { where, bindings };
  }

  #load(orderId: string): Order | null {
    const row = this.#sql.exec<OrderRow>("SELECT * FROM orders WHERE id = ?", orderId).toArray()[0];
    return row ? this.#withLines([row])[0]! : null;
  }

  #withLines(rows: OrderRow[]): Order[] {
    if (rows.length === 0) return [];
    const lines = this.#sql
      .exec<LineRow>(
        "SELECT * FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, position",
        JSON.stringify(rows.map((row) => row.id)),
      )
      .toArray();
    const byOrder = new Map<string, OrderLine[]>();
    for (const line of lines) {
      const list = byOrder.get(line.order_id) ?? [];
      list.push({
        id: line.id,
        product_id: line.product_id,
        title: line.title,
        quantity: line.quantity,
        unit_price_cents: line.unit_price_cents,
        total_cents: line.total_cents,
      });
      byOrder.set(line.order_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      status: row.status,
      customer_id: row.customer_id,
      currency: row.currency,
      lines: byOrder.get(row.id) ?? [],
      subtotal_cents: row.subtotal_cents,
      total_cents: row.total_cents,
      notes: row.notes,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      cancellation_reason: row.cancellation_reason,
      version: row.version,
      created_at: row.created_at,
      updated_at: row.updated_at,
      confirmed_at: row.confirmed_at,
      closed_at: row.closed_at,
      shipped_at: row.shipped_at,
      delivered_at: row.delivered_at,
      canceled_at: row.canceled_at,
    }));
  }

  #migrate() {
    this.#sql.exec("CREATE TABLE IF NOT EXISTS stream_meta (key TEXT PRIMARY KEY, value)");
    const current = Number(this.#getMeta("schema_version") ?? 0);
    for (let version = current; version < SCHEMA.length; version++) {
      this.ctx.storage.transactionSync(() => {
        this.#sql.exec(SCHEMA[version]!);
        this.#setMeta("schema_version", version + 1);
      });
    }
  }

  #getMeta(key: string): SqlStorageValue | undefined {
    return this.#sql.exec<{ value: SqlStorageValue }>("SELECT value FROM stream_meta WHERE key = ?", key).toArray()[0]?.value;
  }

  #setMeta(key: string, value: SqlStorageValue) {
    this.#sql.exec("INSERT OR REPLACE INTO stream_meta (key, value) VALUES (?, ?)", key, value);
  }
}

const encoder = new TextEncoder();

function chunkBySize<T extends { payload: string }>(rows: T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = encoder.encode(row.payload).byteLength;
    if (current.length > 0 && (current.length === 100 || bytes + size > SEND_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
