import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../context";
import { timingSafeEqualBytes, utf8 } from "../../shared/crypto";
import { newId } from "../../shared/ids";
import type { EventMessage } from "../events";
import {
  type CartOutcome,
  type CartPatch,
  type Change,
  type CartRefusal,
  type NewDiscount,
  absorb,
  addAddress,
  addDiscount,
  addItems,
  addPaymentMethod,
  checkVersion,
  patchCart,
  refreshed,
  removeAddress,
  removeDiscount,
  removeLine,
  removePaymentMethod,
  setQuantity,
} from "./carts.commands";
import type { CartAddress, CartPaymentMethod, CartSettings, CartState, ProductSnapshot } from "./carts.state";
import { type BeginOutcome, CHECKOUT_LEASE_MS, type CheckoutAnswer, type CheckoutPatch, type CheckoutRecord, activeCheckout, begin } from "./carts.checkout";
import { CartStore, type OutboxEntry } from "./carts.storage";

/** One storage key per checkout (`checkout:<idempotency key>`), so a step's record rewrites only itself. */
const CHECKOUT_PREFIX = "checkout:";
/** How long an unfinished checkout keeps its cart from expiring (the resume cron finishes stalled ones after 2 minutes). */
const CHECKOUT_EXPIRY_GRACE_MS = 10 * 60 * 1000;

/**
 * A command's events are sent this long after the first undelivered one (an in-memory timer), so
 * the events of a busy cart share one `sendBatch`. Each event is in the outbox in the same
 * transaction as its change, and a durable alarm at most RELAY_FALLBACK_MS away relays whatever an
 * evicted object's timer did not: at least once (the log and the bus dedupe by event id).
 */
export const RELAY_DELAY_MS = 500;
export const RELAY_FALLBACK_MS = 30_000;
const RELAY_BACKOFF_MAX_MS = 5 * 60 * 1000;
/** Queues take up to 100 messages and 256 KB per sendBatch; stay under both. */
const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 200_000;

/**
 * One per cart: the single writer of its state (lines, discounts, addresses, payment methods,
 * selections, version). Every command runs without an await between reading and writing the state,
 * so concurrent commands serialize; the command's changed rows and its events (the outbox) commit in
 * one transaction, which the output gate makes durable before the answer leaves. A timer relays the
 * outbox to the `order-events` queue (whose consumer appends to the D1 event log and publishes on the
 * bus); the alarm relays what the timer could not and expires the cart when it has been idle for the
 * store's `cart_expiry_seconds`.
 */
export class CartObject extends DurableObject<Bindings> {
  readonly #store: CartStore;
  #state: CartState | null = null;
  #outbox: OutboxEntry[] = [];
  /** When the durable alarm is set for (as this object last set or read it); null: none. */
  #alarmAt: number | null = null;
  #relayTimer: ReturnType<typeof setTimeout> | null = null;
  /** The relay in flight, if any: relays never overlap. */
  #relaying: Promise<void> | null = null;
  #relayFailures = 0;
  #checkouts: Record<string, CheckoutRecord> = {};

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#store = new CartStore(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => {
      const { state, outbox } = this.#store.load();
      this.#state = state;
      this.#outbox = outbox;
      for (const [, record] of ctx.storage.kv.list<CheckoutRecord>({ prefix: CHECKOUT_PREFIX })) this.#checkouts[record.key] = record;
      this.#alarmAt = state ? await ctx.storage.getAlarm() : null;
      // Events committed just before the object was evicted or crashed go out now.
      if (outbox.length > 0) this.#armRelay();
    });
  }

  /** Creates the cart once; a second call answers the existing cart. */
  init(state: CartState): CartState {
    if (this.#state) return this.#state;
    this.#commit({ state, events: [] });
    return state;
  }

  /**
   * The open cart if `access` may see it, else null (never created, expired, merged, completed, or
   * another store's, customer's or token's). One call: the check runs inside the object.
   */
  read(access: CartAccess): CartState | null {
    const state = this.#state;
    return state && state.status === "open" && allowed(state, access) ? state : null;
  }

  refresh(access: CartAccess, products: ProductSnapshot[], settings: CartSettings): CartOutcome {
    const state = this.read(access);
    // A running checkout froze the cart; a read shows it as it is.
    if (state && activeCheckout(this.#checkouts)) return { ok: true, state };
    return this.#run(access, undefined, (s, now) => ({ state: refreshed(s, products, settings, Date.parse(now)), events: [] }));
  }

  addItems(access: CartAccess, items: Array<{ product: ProductSnapshot; quantity: number }>): CartOutcome {
    return this.#run(access, undefined, (s, now) => addItems(s, items, now));
  }

  setQuantity(access: CartAccess, lineId: string, quantity: number): CartOutcome {
    return this.#run(access, undefined, (s, now) => setQuantity(s, lineId, quantity, now));
  }

  removeLine(access: CartAccess, lineId: string): CartOutcome {
    return this.#run(access, undefined, (s, now) => removeLine(s, lineId, now));
  }

  patch(access: CartAccess, patch: CartPatch, expected: number): CartOutcome {
    return this.#run(access, expected, (s, now) => patchCart(s, patch, now));
  }

  addAddress(access: CartAccess, address: Omit<CartAddress, "id" | "removed">): CartOutcome {
    return this.#run(access, undefined, (s, now) => addAddress(s, address, now));
  }

  removeAddress(access: CartAccess, addressId: string): CartOutcome {
    return this.#run(access, undefined, (s, now) => removeAddress(s, addressId, now));
  }

  addPaymentMethod(access: CartAccess, method: Omit<CartPaymentMethod, "id" | "removed">): CartOutcome {
    return this.#run(access, undefined, (s, now) => addPaymentMethod(s, method, now));
  }

  removePaymentMethod(access: CartAccess, methodId: string): CartOutcome {
    return this.#run(access, undefined, (s, now) => removePaymentMethod(s, methodId, now));
  }

  addDiscount(access: CartAccess, discount: NewDiscount): CartOutcome {
    return this.#run(access, undefined, (s, now) => addDiscount(s, discount, now));
  }

  removeDiscount(access: CartAccess, discountId: string): CartOutcome {
    return this.#run(access, undefined, (s, now) => removeDiscount(s, discountId, now));
  }

  /** Login merge into this (the customer's) cart. */
  absorb(access: CartAccess, other: CartState): CartOutcome {
    return this.#run(access, undefined, (s, now) => absorb(s, other, now));
  }

  /**
   * Ends an open cart (`merged` into another, or `replaced` by a newer cart of its customer). A cart
   * being checked out is not closed (null): its checkout may already have charged for these items,
   * and ends the cart itself.
   */
  close(access: CartAccess, status: "merged" | "replaced"): CartState | null {
    const state = this.read(access);
    if (!state || activeCheckout(this.#checkouts)) return null;
    const now = new Date().toISOString();
    const next = { ...state, status, version: state.version + 1, updatedAt: now };
    this.#commit({ state: next, events: [{ id: newId("evt"), store_id: state.storeId, type: `cart.${status}`, resource_type: "cart", resource_id: state.id, resource_version: next.version, created_at: now, data: { cart_id: state.id } }] });
    return state;
  }

  /** Starts, resumes, or answers the checkout of `key` (see `begin`); `busy` means wait and ask again. */
  beginCheckout(access: CartAccess, input: { key: string; requestHash: string; holder: string }): BeginOutcome {
    const now = Date.now();
    // A finished checkout's answer replays even though its cart is now completed, to the same callers.
    if (!this.#state || !allowed(this.#state, access)) return { kind: "not_found" };
    const cart = this.read(access);
    const { outcome, changed } = begin(this.#checkouts, cart, { id: newId("chk"), ...input, nowMs: now, now: new Date(now).toISOString() });
    if (changed) this.#saveCheckout(changed);
    return outcome;
  }

  /** Records a step's result before the next external step; false when the lease was lost (another runner took over). */
  advanceCheckout(key: string, holder: string, patch: CheckoutPatch): boolean {
    const record = this.#checkouts[key];
    if (!record || record.holder !== holder || record.step === "done") return false;
    this.#saveCheckout({ ...record, ...patch, leaseUntil: Date.now() + CHECKOUT_LEASE_MS });
    return true;
  }

  /**
   * Stores the final answer. A completed checkout ends the cart (`completed`, with its event, in the
   * same put); a declined one leaves the cart open and unchanged, to check out again.
   */
  finishCheckout(key: string, holder: string, answer: CheckoutAnswer, completed: boolean): CartState | null {
    const record = this.#checkouts[key];
    if (!record || record.holder !== holder) return null;
    const done: CheckoutRecord = { ...record, step: "done", holder: null, answer };
    // The same answer for every key that took this checkout over (each replays it).
    const records = [done, ...(record.aliases ?? []).map((alias): CheckoutRecord => ({ ...done, key: alias.key, requestHash: alias.requestHash, aliases: [] }))];
    for (const r of records) this.#checkouts[r.key] = r;
    const saveAll = () => {
      for (const r of records) this.ctx.storage.kv.put(CHECKOUT_PREFIX + r.key, r);
    };
    const state = this.#state;
    if (!completed || !state || state.status !== "open") {
      this.ctx.storage.transactionSync(saveAll);
      return state;
    }
    const now = new Date().toISOString();
    const next: CartState = { ...state, status: "completed", version: state.version + 1, updatedAt: now };
    const event: EventMessage = { id: newId("evt"), store_id: state.storeId, type: "cart.completed", resource_type: "cart", resource_id: state.id, resource_version: next.version, created_at: now, data: { cart_id: state.id, order_id: answer.status === 200 ? answer.body.order_id : null, checkout_id: record.id } };
    // The cart, its event and the checkout's answer in one transaction.
    this.#commit({ state: next, events: [event] }, saveAll);
    return next;
  }

  /** The key of checkout `checkoutId` if it is unfinished and nobody holds it (its runner died), for the resume sweep. */
  stalledCheckout(checkoutId: string): { key: string; requestHash: string } | null {
    for (const record of Object.values(this.#checkouts)) {
      if (record.id === checkoutId && record.step !== "done" && record.leaseUntil <= Date.now()) return { key: record.key, requestHash: record.requestHash };
    }
    return null;
  }

  /** Forgets a checkout refused before anything was written (the same key may run again later). */
  abandonCheckout(key: string, holder: string): void {
    const record = this.#checkouts[key];
    if (!record || record.holder !== holder || record.step !== "started") return;
    delete this.#checkouts[key];
    this.ctx.storage.kv.delete(CHECKOUT_PREFIX + key);
  }

  /** The runner failed (an exception, not a crash): its lease ends now, so a retry resumes at once. */
  releaseCheckout(key: string, holder: string): void {
    const record = this.#checkouts[key];
    if (!record || record.holder !== holder || record.step === "done") return;
    this.#saveCheckout({ ...record, holder: null, leaseUntil: 0 });
  }

  #saveCheckout(record: CheckoutRecord) {
    this.#checkouts[record.key] = record;
    this.ctx.storage.kv.put(CHECKOUT_PREFIX + record.key, record);
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    if (this.#outbox.length > 0 || this.#relaying) {
      try {
        await this.#relayOnce();
      } catch (error) {
        this.#relayFailures += 1;
        // Our own backoff outlives the platform's alarm retries, so delivery never stops; setting an
        // alarm inside a failing handler replaces the platform's retry of this one.
        this.#setAlarm(Date.now() + Math.min(1000 * 2 ** this.#relayFailures, RELAY_BACKOFF_MAX_MS) + Math.floor(Math.random() * 1000));
        throw error;
      }
    }
    // No await from here on: this sees every command that committed during the relay.
    const state = this.#state;
    const now = Date.now();
    if (state && state.status === "open" && Date.parse(state.expiresAt) <= now) {
      // A checkout of this cart may have charged already: it ends the cart itself. Wait for it (its
      // lease, and the resume cron's window), then expire an abandoned one as any other cart.
      const active = activeCheckout(this.#checkouts);
      const holdUntil = active ? Math.max(active.leaseUntil, Date.parse(active.createdAt) + CHECKOUT_EXPIRY_GRACE_MS) : 0;
      if (holdUntil > now) {
        this.#setAlarm(holdUntil);
        return;
      }
      const expired = { ...state, status: "expired" as const, version: state.version + 1, updatedAt: new Date(now).toISOString() };
      this.#commit({ state: expired, events: [{ id: newId("evt"), store_id: state.storeId, type: "cart.expired", resource_type: "cart", resource_id: state.id, resource_version: expired.version, created_at: expired.updatedAt, data: { cart_id: state.id } }] });
      await this.env.DB.prepare("UPDATE carts SET state = 'expired', updated_at = ? WHERE id = ? AND state = 'open'").bind(expired.updatedAt, state.id).run();
      return;
    }
    if (this.#outbox.length > 0) this.#setAlarm(now + RELAY_FALLBACK_MS);
    else this.#scheduleExpiry();
  }

  /**
   * Sends the outbox in commit order, in chunks the queue accepts; each chunk is forgotten once the
   * queue took it. Waits for a relay already in flight instead of overlapping it.
   */
  async #relayOnce(): Promise<void> {
    while (this.#relaying) await this.#relaying;
    if (this.#outbox.length === 0) return;
    const run = this.#send();
    this.#relaying = run;
    try {
      await run;
    } finally {
      this.#relaying = null;
    }
  }

  async #send(): Promise<void> {
    const queue = this.env.ORDER_EVENTS as unknown as Queue<EventMessage>;
    // Commands that run during a send append after these: they go with the next relay.
    const pending = this.#outbox;
    for (let start = 0; start < pending.length; ) {
      let end = start;
      let bytes = 0;
      while (end < pending.length && end - start < SEND_BATCH_MESSAGES) {
        const size = pending[end]!.bytes;
        if (end > start && bytes + size > SEND_BATCH_BYTES) break;
        bytes += size;
        end += 1;
      }
      const chunk = pending.slice(start, end);
      await queue.sendBatch(chunk.map((entry) => ({ body: entry.event, contentType: "json" as const })));
      const last = chunk[chunk.length - 1]!.seq;
      this.#store.delivered(last);
      this.#outbox = this.#outbox.filter((entry) => entry.seq > last);
      start = end;
    }
  }

  /** The timer's relay: on failure the durable alarm (already set) retries with backoff. */
  #onRelayTimer = () => {
    this.#relayTimer = null;
    this.#relayOnce().then(
      () => {
        this.#relayFailures = 0;
        if (this.#outbox.length > 0) this.#armRelay();
      },
      (error: unknown) => {
        console.warn(JSON.stringify({ level: "warn", msg: "cart relay deferred to its alarm", error: error instanceof Error ? error.name : "Error" }));
      },
    );
  };

  #run(access: CartAccess, expected: number | undefined, command: (state: CartState, now: string) => Change | CartRefusal): CartOutcome {
    const state = this.read(access);
    if (!state) return { ok: false, code: "not_found", message: "No such cart" };
    if (activeCheckout(this.#checkouts)) return { ok: false, code: "conflict", message: "The cart is being checked out; it cannot change until that finishes" };
    const stale = checkVersion(state, expected);
    if (stale) return stale;
    const change = command(state, new Date().toISOString());
    if ("ok" in change) return change;
    if (change.state !== state) this.#commit(change);
    return { ok: true, state: change.state };
  }

  /** The changed rows and the events in one transaction (durable before the reply), then the relay or the expiry alarm. */
  #commit(change: Change, also?: () => void) {
    const prev = this.#state;
    const entries = this.#store.write(prev, change.state, change.events, also);
    this.#state = change.state;
    if (entries.length > 0) {
      this.#outbox = this.#outbox.length > 0 ? [...this.#outbox, ...entries] : entries;
      this.#armRelay();
    } else if (prev === null) {
      this.#scheduleExpiry();
    }
  }

  /**
   * Once per batch of events: the timer that sends them, and a durable alarm no later than
   * RELAY_FALLBACK_MS in case the object is gone before the timer fires (usually already set).
   */
  #armRelay() {
    if (this.#relayTimer === null) this.#relayTimer = setTimeout(this.#onRelayTimer, RELAY_DELAY_MS);
    const fallback = Date.now() + RELAY_FALLBACK_MS;
    if (this.#alarmAt === null || this.#alarmAt > fallback) this.#setAlarm(fallback);
  }

  /** The expiry alarm of an open cart (activity moves `expiresAt`; the alarm re-checks it when it fires). */
  #scheduleExpiry() {
    const state = this.#state;
    if (state && state.status === "open") this.#setAlarm(Date.parse(state.expiresAt));
    else if (this.#alarmAt !== null) {
      this.#alarmAt = null;
      void this.ctx.storage.deleteAlarm();
    }
  }

  /** Not awaited: the output gate holds the reply until the alarm is durably set. */
  #setAlarm(at: number) {
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }
}

/** Who may touch a cart, as the Worker authenticated it. */
export type CartAccess =
  | { kind: "store"; storeId: string }
  | { kind: "customer"; storeId: string; customerId: string }
  | { kind: "token"; tokenHash: string };

function allowed(state: CartState, access: CartAccess): boolean {
  if (access.kind === "store") return state.storeId === access.storeId;
  if (access.kind === "customer") return state.storeId === access.storeId && state.customerId === access.customerId;
  // Both are SHA-256 hex digests (equal length): compared in constant time.
  return state.tokenHash !== null && timingSafeEqualBytes(utf8.encode(state.tokenHash), utf8.encode(access.tokenHash));
}

/** The only place that names CartObject objects: one per cart id. */
export function cartObject(env: Pick<Bindings, "CART_OBJECT">, cartId: string) {
  return env.CART_OBJECT.get(env.CART_OBJECT.idFromName(cartId));
}
