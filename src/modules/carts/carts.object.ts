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

const CART = "cart";
const OUTBOX = "outbox";
/** One storage key per checkout (`checkout:<idempotency key>`), so a step's record rewrites only itself. */
const CHECKOUT_PREFIX = "checkout:";
const RELAY_DELAY_MS = 50;

/**
 * One per cart: the single writer of its state (lines, discounts, addresses, payment methods,
 * selections, version). Every command runs without an await between reading and writing the state,
 * so concurrent commands serialize; the state and the command's events (an outbox) are written in one
 * `put`, which the output gate makes durable before the answer leaves. The alarm relays the outbox to
 * the `order-events` queue (whose consumer appends to the D1 event log and publishes on the bus) and
 * expires the cart when it has been idle for the store's `cart_expiry_seconds`.
 */
export class CartObject extends DurableObject<Bindings> {
  #state: CartState | null = null;
  #outbox: EventMessage[] = [];
  #checkouts: Record<string, CheckoutRecord> = {};

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#state = (await ctx.storage.get<CartState>(CART)) ?? null;
      this.#outbox = (await ctx.storage.get<EventMessage[]>(OUTBOX)) ?? [];
      for (const record of (await ctx.storage.list<CheckoutRecord>({ prefix: CHECKOUT_PREFIX })).values()) this.#checkouts[record.key] = record;
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

  /** Ends an open cart (`merged` into another, or `replaced` by a newer cart of its customer). */
  close(access: CartAccess, status: "merged" | "replaced"): CartState | null {
    const state = this.read(access);
    if (!state) return null;
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
    this.#checkouts[key] = done;
    const state = this.#state;
    if (!completed || !state || state.status !== "open") {
      void this.ctx.storage.put(CHECKOUT_PREFIX + key, done);
      return state;
    }
    const now = new Date().toISOString();
    const next: CartState = { ...state, status: "completed", version: state.version + 1, updatedAt: now };
    const event: EventMessage = { id: newId("evt"), store_id: state.storeId, type: "cart.completed", resource_type: "cart", resource_id: state.id, resource_version: next.version, created_at: now, data: { cart_id: state.id, order_id: answer.status === 200 ? answer.body.order_id : null, checkout_id: record.id } };
    this.#state = next;
    this.#outbox = [...this.#outbox, event];
    void this.ctx.storage.put({ [CART]: next, [OUTBOX]: this.#outbox, [CHECKOUT_PREFIX + key]: done });
    this.#schedule();
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
    void this.ctx.storage.delete(CHECKOUT_PREFIX + key);
  }

  /** The runner failed (an exception, not a crash): its lease ends now, so a retry resumes at once. */
  releaseCheckout(key: string, holder: string): void {
    const record = this.#checkouts[key];
    if (!record || record.holder !== holder || record.step === "done") return;
    this.#saveCheckout({ ...record, holder: null, leaseUntil: 0 });
  }

  #saveCheckout(record: CheckoutRecord) {
    this.#checkouts[record.key] = record;
    void this.ctx.storage.put(CHECKOUT_PREFIX + record.key, record);
  }

  override async alarm(): Promise<void> {
    if (this.#outbox.length > 0) {
      const batch = this.#outbox;
      await (this.env.ORDER_EVENTS as unknown as Queue<EventMessage>).sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
      // Commands that ran during the send appended after `batch`: keep those.
      this.#outbox = this.#outbox.slice(batch.length);
      void this.ctx.storage.put(OUTBOX, this.#outbox);
    }
    const state = this.#state;
    const now = Date.now();
    if (state && state.status === "open" && Date.parse(state.expiresAt) <= now) {
      const expired = { ...state, status: "expired" as const, version: state.version + 1, updatedAt: new Date(now).toISOString() };
      this.#commit({ state: expired, events: [{ id: newId("evt"), store_id: state.storeId, type: "cart.expired", resource_type: "cart", resource_id: state.id, resource_version: expired.version, created_at: expired.updatedAt, data: { cart_id: state.id } }] });
      await this.env.DB.prepare("UPDATE carts SET state = 'expired', updated_at = ? WHERE id = ? AND state = 'open'").bind(expired.updatedAt, state.id).run();
      return;
    }
    this.#schedule();
  }

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

  /** State and outbox in one put (atomic; durable before the reply), then the alarm that relays or expires. */
  #commit(change: Change) {
    this.#state = change.state;
    this.#outbox = [...this.#outbox, ...change.events];
    void this.ctx.storage.put({ [CART]: change.state, [OUTBOX]: this.#outbox });
    this.#schedule();
  }

  #schedule() {
    const state = this.#state;
    const at = this.#outbox.length > 0 ? Date.now() + RELAY_DELAY_MS : state && state.status === "open" ? Date.parse(state.expiresAt) : null;
    if (at === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(at);
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
