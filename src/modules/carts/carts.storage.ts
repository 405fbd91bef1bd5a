import type { EventMessage } from "../events";
import type { CartLine, CartState } from "./carts.state";

/** The first layout: the whole state and the outbox as two key-value documents (read once, then moved). */
const LEGACY_CART_KEY = "cart";
const LEGACY_OUTBOX_KEY = "outbox";

/**
 * The cart's SQLite tables. A command writes only what it changed: the one line an add touches, the
 * cart row's version and times, the document of the rest only when one of those fields changed, and
 * one outbox row per event. Lines keep the order they were added in (`seq`).
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS cart (
    k INTEGER PRIMARY KEY CHECK (k = 1),
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    refreshed_at INTEGER NOT NULL,
    doc TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS cart_lines (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    product_id TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    inventory INTEGER NOT NULL,
    live INTEGER NOT NULL,
    added_at TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS cart_outbox (seq INTEGER PRIMARY KEY, event TEXT NOT NULL)`,
];

/** The fields kept on the cart row's own columns (they change with every command). */
type RowFields = "lines" | "version" | "status" | "updatedAt" | "expiresAt" | "refreshedAt";
type CartDoc = Omit<CartState, RowFields>;
const DOC_FIELDS = ["id", "storeId", "customerId", "tokenHash", "currency", "email", "discounts", "addresses", "paymentMethods", "selectedAddressId", "selectedPaymentMethodId", "settings", "createdAt"] as const satisfies ReadonlyArray<keyof CartDoc>;

const LINE_FIELDS = ["productId", "title", "unitPriceCents", "quantity", "inventory", "live", "addedAt"] as const satisfies ReadonlyArray<keyof CartLine>;

export interface OutboxEntry {
  seq: number;
  event: EventMessage;
  /** The event's JSON length, measured once when it was stored (the relay sizes its batches by it). */
  bytes: number;
}

/**
 * A cart object's storage: synchronous, so the object reads, decides and writes with no await in
 * between. `write` takes the state before and after a command and writes the difference, with the
 * command's events, in one transaction (durable before the reply leaves: the output gate).
 */
export class CartStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  #ready = false;
  /** Line id → its row's seq (the order lines were added in). */
  #lineSeq = new Map<string, number>();
  #nextLineSeq = 1;
  #nextOutboxSeq = 1;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
  }

  /**
   * The stored cart and its undelivered events. An object written by the first layout (two
   * key-value documents) is moved into the tables here, once, in one transaction. An object that
   * holds nothing creates no tables (a read of an unknown cart writes nothing).
   */
  load(): { state: CartState | null; outbox: OutboxEntry[] } {
    const hasTables = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cart'").toArray().length > 0;
    if (!hasTables) {
      const legacy = this.#storage.kv.get<CartState>(LEGACY_CART_KEY);
      if (!legacy) return { state: null, outbox: [] };
      const events = this.#storage.kv.get<EventMessage[]>(LEGACY_OUTBOX_KEY) ?? [];
      this.#storage.transactionSync(() => {
        this.#write(null, legacy, events);
        this.#storage.kv.delete(LEGACY_CART_KEY);
        this.#storage.kv.delete(LEGACY_OUTBOX_KEY);
      });
    }
    this.#ready = true;
    const row = this.#sql.exec<{ version: number; status: string; updated_at: string; expires_at: string; refreshed_at: number; doc: string }>("SELECT version, status, updated_at, expires_at, refreshed_at, doc FROM cart").toArray()[0];
    if (!row) return { state: null, outbox: [] };
    const lines: CartLine[] = [];
    this.#lineSeq.clear();
    for (const l of this.#sql.exec<{ seq: number; id: string; product_id: string; title: string; unit_price_cents: number; quantity: number; inventory: number; live: number; added_at: string }>(
      "SELECT seq, id, product_id, title, unit_price_cents, quantity, inventory, live, added_at FROM cart_lines ORDER BY seq",
    )) {
      lines.push({ id: l.id, productId: l.product_id, title: l.title, unitPriceCents: l.unit_price_cents, quantity: l.quantity, inventory: l.inventory, live: l.live === 1, addedAt: l.added_at });
      this.#lineSeq.set(l.id, l.seq);
      this.#nextLineSeq = l.seq + 1;
    }
    const outbox: OutboxEntry[] = [];
    for (const o of this.#sql.exec<{ seq: number; event: string }>("SELECT seq, event FROM cart_outbox ORDER BY seq")) {
      outbox.push({ seq: o.seq, event: JSON.parse(o.event) as EventMessage, bytes: o.event.length });
    }
    this.#nextOutboxSeq = (outbox.at(-1)?.seq ?? 0) + 1;
    const doc = JSON.parse(row.doc) as CartDoc;
    const state: CartState = {
      ...doc,
      lines,
      version: row.version,
      status: row.status as CartState["status"],
      updatedAt: row.updated_at,
      expiresAt: row.expires_at,
      refreshedAt: row.refreshed_at,
    };
    return { state, outbox };
  }

  /**
   * Writes `next` over `prev` (null: nothing stored yet) and appends the events, with `also` (another
   * write of the object's) in the same transaction; returns the events' outbox entries.
   */
  write(prev: CartState | null, next: CartState, events: readonly EventMessage[], also?: () => void): OutboxEntry[] {
    return this.#storage.transactionSync(() => {
      also?.();
      return this.#write(prev, next, events);
    });
  }

  /** Forgets the events up to and including `seq` (the queue accepted them). */
  delivered(seq: number): void {
    this.#sql.exec("DELETE FROM cart_outbox WHERE seq <= ?", seq);
  }

  #write(prev: CartState | null, next: CartState, events: readonly EventMessage[]): OutboxEntry[] {
    if (!this.#ready) {
      for (const statement of SCHEMA) this.#sql.exec(statement);
      this.#ready = true;
    }
    if (prev === null || docChanged(prev, next)) {
      this.#sql.exec(
        "INSERT INTO cart (k, version, status, updated_at, expires_at, refreshed_at, doc) VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (k) DO UPDATE SET version = excluded.version, status = excluded.status, updated_at = excluded.updated_at, expires_at = excluded.expires_at, refreshed_at = excluded.refreshed_at, doc = excluded.doc",
        next.version,
        next.status,
        next.updatedAt,
        next.expiresAt,
        next.refreshedAt,
        JSON.stringify(docOf(next)),
      );
    } else if (prev.version !== next.version || prev.status !== next.status || prev.updatedAt !== next.updatedAt || prev.expiresAt !== next.expiresAt || prev.refreshedAt !== next.refreshedAt) {
      this.#sql.exec("UPDATE cart SET version = ?, status = ?, updated_at = ?, expires_at = ?, refreshed_at = ? WHERE k = 1", next.version, next.status, next.updatedAt, next.expiresAt, next.refreshedAt);
    }
    if (prev?.lines !== next.lines) this.#writeLines(prev?.lines ?? [], next.lines);
    const entries: OutboxEntry[] = [];
    for (const event of events) {
      const seq = this.#nextOutboxSeq++;
      const json = JSON.stringify(event);
      this.#sql.exec("INSERT INTO cart_outbox (seq, event) VALUES (?, ?)", seq, json);
      entries.push({ seq, event, bytes: json.length });
    }
    return entries;
  }

  /** Rows for the lines that are new or changed, deletions for those that are gone; unchanged lines are not touched. */
  #writeLines(prev: readonly CartLine[], next: readonly CartLine[]) {
    const before = new Map(prev.map((l) => [l.id, l]));
    // Lines are only ever appended, changed in place or removed; should a command reorder them, every line is rewritten in the new order.
    let lastSeq = 0;
    let inOrder = true;
    for (const line of next) {
      const seq = this.#lineSeq.get(line.id);
      if (seq === undefined) continue;
      if (seq < lastSeq) inOrder = false;
      lastSeq = seq;
    }
    if (!inOrder) {
      this.#sql.exec("DELETE FROM cart_lines");
      this.#lineSeq.clear();
      before.clear();
    }
    const kept = new Set<string>();
    for (const line of next) {
      kept.add(line.id);
      const old = before.get(line.id);
      if (old === line || (old && LINE_FIELDS.every((f) => old[f] === line[f]))) continue;
      let seq = this.#lineSeq.get(line.id);
      if (seq === undefined) {
        seq = this.#nextLineSeq++;
        this.#lineSeq.set(line.id, seq);
      }
      this.#sql.exec(
        "INSERT INTO cart_lines (seq, id, product_id, title, unit_price_cents, quantity, inventory, live, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, title = excluded.title, unit_price_cents = excluded.unit_price_cents, quantity = excluded.quantity, inventory = excluded.inventory, live = excluded.live, added_at = excluded.added_at",
        seq,
        line.id,
        line.productId,
        line.title,
        line.unitPriceCents,
        line.quantity,
        line.inventory,
        line.live ? 1 : 0,
        line.addedAt,
      );
    }
    for (const id of before.keys()) {
      if (kept.has(id)) continue;
      this.#sql.exec("DELETE FROM cart_lines WHERE id = ?", id);
      this.#lineSeq.delete(id);
    }
  }
}

function docOf(state: CartState): CartDoc {
  const doc = {} as Record<string, unknown>;
  for (const field of DOC_FIELDS) doc[field] = state[field];
  return doc as CartDoc;
}

/** Commands build new arrays and objects only for what they change; settings are compared by value (a refresh rebuilds them). */
function docChanged(prev: CartState, next: CartState): boolean {
  for (const field of DOC_FIELDS) {
    if (prev[field] === next[field]) continue;
    if (field === "settings" && JSON.stringify(prev.settings) === JSON.stringify(next.settings)) continue;
    return true;
  }
  return false;
}
