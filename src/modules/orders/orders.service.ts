import type { FieldError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { MoneyOverflowError, addCents, multiplyCents } from "../../shared/money";
import {
  type CancellationReason,
  METADATA_LIMITS,
  type Order,
  type OrderEventType,
  type OrderFilters,
  type OrderLine,
  type OrderStatus,
  type PricedCreateOrderInput,
  type PricedLineInput,
  type PricedUpdateOrderInput,
} from "./orders.schemas";

export type OrderAction = "confirm" | "close" | "ship" | "deliver" | "cancel";

type StampField = "confirmed_at" | "closed_at" | "shipped_at" | "delivered_at" | "canceled_at";

interface Transition {
  from: readonly OrderStatus[];
  to: OrderStatus;
  stamp: StampField;
  event: OrderEventType;
}

/**
 * The order state machine, in one table. `closed` means paid. A paid order can still be canceled
 * (a refund is the billing module's business); once shipped it can only be delivered.
 */
export const TRANSITIONS: Record<OrderAction, Transition> = {
  confirm: { from: ["draft"], to: "confirmed", stamp: "confirmed_at", event: "order.confirmed" },
  close: { from: ["confirmed"], to: "closed", stamp: "closed_at", event: "order.closed" },
  ship: { from: ["closed"], to: "shipped", stamp: "shipped_at", event: "order.shipped" },
  deliver: { from: ["shipped"], to: "delivered", stamp: "delivered_at", event: "order.delivered" },
  cancel: { from: ["draft", "confirmed", "closed"], to: "canceled", stamp: "canceled_at", event: "order.canceled" },
};

export const ORDER_ACTIONS = Object.keys(TRANSITIONS) as OrderAction[];

/** Largest serialized order: an event (order plus envelope) must fit a 128 KB queue message. */
export const MAX_ORDER_BYTES = 100_000;

export type OrderRuleCode =
  | "not_found"
  | "stale_version"
  | "invalid_transition"
  | "order_not_editable"
  | "order_empty"
  | "validation_failed"
  | "idempotency_key_reused"
  | "customer_not_found"
  | "product_not_found"
  | "currency_mismatch";

/** A refusal by a domain rule; the object returns it as data (classes do not survive RPC). */
export interface OrderRuleFailure {
  code: OrderRuleCode;
  detail: string;
  currentVersion?: number;
  errors?: FieldError[];
}

export class OrderRuleError extends Error {
  constructor(readonly failure: OrderRuleFailure) {
    super(failure.detail);
  }
}

function refuse(code: OrderRuleCode, detail: string, extra: Omit<OrderRuleFailure, "code" | "detail"> = {}): never {
  throw new OrderRuleError({ code, detail, ...extra });
}

/**
 * Prices lines with checked integer maths: line total = unit price × quantity, subtotal = their sum.
 * A catalog line's price is in its product's currency, which must be the order's.
 */
export function priceLines(inputs: readonly PricedLineInput[], currency?: string): { lines: OrderLine[]; subtotal: number } {
  const mismatched = inputs.flatMap((input, i) =>
    currency !== undefined && input.currency && input.currency !== currency
      ? [{ path: `lines[${i}].product_id`, message: `The product is priced in ${input.currency}, the order in ${currency}` }]
      : [],
  );
  if (mismatched.length > 0) refuse("currency_mismatch", "A catalog product is priced in another currency than the order", { errors: mismatched });
  try {
    const lines = inputs.map((input) => ({
      id: newId("oli"),
      product_id: input.product_id,
      title: input.title ?? null,
      custom: input.custom ?? false,
      quantity: input.quantity,
      unit_price_cents: input.unit_price_cents,
      total_cents: multiplyCents(input.unit_price_cents, input.quantity),
    }));
    return { lines, subtotal: addCents(...lines.map((line) => line.total_cents)) };
  } catch (error) {
    if (error instanceof MoneyOverflowError) {
      refuse("validation_failed", "The order total is out of range", {
        errors: [{ path: "lines", message: "The order total is out of range" }],
      });
    }
    throw error;
  }
}

function withTotals(order: Order, lines: OrderLine[], subtotal: number): Order {
  // No taxes, shipping or discounts yet: the total is the subtotal until the billing issue adds them.
  return { ...order, lines, subtotal_cents: subtotal, total_cents: subtotal };
}

const encoder = new TextEncoder();

function assertFits(order: Order): Order {
  if (encoder.encode(JSON.stringify(order)).byteLength > MAX_ORDER_BYTES) {
    refuse("validation_failed", `The order is larger than ${MAX_ORDER_BYTES} bytes`, {
      errors: [{ path: "(root)", message: "Too many or too long lines, notes or metadata" }],
    });
  }
  return order;
}

/** A new draft at version 1. */
export function draftOrder(input: PricedCreateOrderInput, defaultCurrency: string, now: string): Order {
  const currency = input.currency ?? defaultCurrency;
  const { lines, subtotal } = priceLines(input.lines, currency);
  const order: Order = {
    id: newId("ord"),
    status: "draft",
    customer_id: input.customer_id ?? null,
    currency,
    lines: [],
    subtotal_cents: 0,
    total_cents: 0,
    notes: input.notes ?? null,
    metadata: input.metadata ?? {},
    cancellation_reason: null,
    version: 1,
    created_at: now,
    updated_at: now,
    confirmed_at: null,
    closed_at: null,
    shipped_at: null,
    delivered_at: null,
    canceled_at: null,
  };
  return assertFits(withTotals(order, lines, subtotal));
}

/** Refuses a write based on a version the client did not read (412 with the current version). */
export function assertVersion(order: Order, expectedVersion: number): void {
  if (order.version !== expectedVersion) {
    refuse("stale_version", `The order is at version ${order.version}`, { currentVersion: order.version });
  }
}

export function mergeMetadata(
  current: Record<string, string>,
  patch: Record<string, string | null> | null,
): Record<string, string> {
  if (patch === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > METADATA_LIMITS.keys) {
    refuse("validation_failed", `Metadata can hold at most ${METADATA_LIMITS.keys} keys`, {
      errors: [{ path: "metadata", message: `At most ${METADATA_LIMITS.keys} keys after merging` }],
    });
  }
  return next;
}

/** Applies a PATCH to a draft; any other status is 409 `order_not_editable`. */
export function editDraft(order: Order, expectedVersion: number, patch: PricedUpdateOrderInput, now: string): Order {
  assertVersion(order, expectedVersion);
  if (order.status !== "draft") refuse("order_not_editable", `The order is ${order.status}; only drafts can be edited`);
  let next: Order = { ...order, version: order.version + 1, updated_at: now };
  if (patch.customer_id !== undefined) next.customer_id = patch.customer_id;
  if (patch.currency !== undefined) next.currency = patch.currency;
  if (patch.notes !== undefined) next.notes = patch.notes;
  if (patch.metadata !== undefined) next.metadata = mergeMetadata(order.metadata, patch.metadata);
  if (patch.lines !== undefined) {
    const { lines, subtotal } = priceLines(patch.lines, next.currency);
    next = withTotals(next, lines, subtotal);
  }
  return assertFits(next);
}

export interface TransitionOptions {
  cancellationReason?: CancellationReason | undefined;
}

/** Moves an order along the state machine, stamping the time; illegal moves are 409 `invalid_transition`. */
export function transition(
  order: Order,
  action: OrderAction,
  expectedVersion: number,
  now: string,
  options: TransitionOptions = {},
): { order: Order; event: OrderEventType } {
  assertVersion(order, expectedVersion);
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(order.status)) {
    refuse("invalid_transition", `A ${order.status} order cannot ${action}; allowed from: ${rule.from.join(", ")}`);
  }
  if (action === "confirm" && order.lines.length === 0) refuse("order_empty", "An order needs at least one line to be confirmed");
  const next: Order = { ...order, status: rule.to, [rule.stamp]: now, version: order.version + 1, updated_at: now };
  if (action === "cancel") next.cancellation_reason = options.cancellationReason ?? null;
  return { order: next, event: rule.event };
}

/** Under which `Idempotency-Key` a command was sent, and the fingerprint of what was sent. */
export interface IdempotencyClaim {
  method: string;
  route: string;
  key: string;
  requestHash: string;
  /**
   * Ignored: keys are scoped by store (one object per store) + method + route, not by credential.
   * Still sent so objects running the previous version during a rollout keep working.
   */
  credentialId?: string | undefined;
}

export interface CreateOrderCommand {
  storeId: string;
  idempotency: IdempotencyClaim;
  input: PricedCreateOrderInput;
  defaultCurrency: string;
}

/**
 * A create the Worker refused before the call (its customer and product checks read D1, which never
 * happens inside the object). A stored success for the same key still replays; otherwise the refusal
 * is the answer, and nothing is stored. A method of its own, so an object still on the previous
 * version during a rollout fails the call instead of creating the order.
 */
export interface RefusedCreateCommand {
  storeId: string;
  idempotency: IdempotencyClaim;
  refusal: OrderRuleFailure;
}

export interface UpdateOrderCommand {
  storeId: string;
  orderId: string;
  expectedVersion: number;
  patch: PricedUpdateOrderInput;
}

export interface TransitionOrderCommand {
  storeId: string;
  orderId: string;
  action: OrderAction;
  expectedVersion: number;
  idempotency: IdempotencyClaim | null;
  cancellationReason?: CancellationReason | undefined;
}

export interface ListOrdersCommand {
  filters: OrderFilters;
  /** Keyset position: the (created_at, id) of the last row already returned. */
  after: [string, string] | null;
  /** Rows to return; callers ask for one more than a page to learn whether another page exists. */
  limit: number;
}

export type CommandResult =
  | { ok: true; status: 200 | 201; order: Order; replayed: boolean }
  | { ok: false; failure: OrderRuleFailure };

export interface CustomerOrderSummary {
  paid_cents_by_currency: Record<string, number>;
  last_order_at: string | null;
  recent_orders: Order[];
}

export interface StoredResponse {
  request_hash: string;
  status: number;
  body: string;
}

/** What a command needs of the object's storage (implemented by `OrderLedger`). */
export interface CommandStore {
  load(orderId: string): Order | null;
  /** Writes the order; returns its JSON. */
  save(order: Order, isNew: boolean): string;
  findResponse(claim: IdempotencyClaim, nowMs: number): StoredResponse | null;
  rememberResponse(claim: IdempotencyClaim, status: number, body: string, nowMs: number): void;
  appendEvent(storeId: string, type: OrderEventType, order: Order, orderJson: string, nowMs: number): void;
}

/** A command ready to run: what it guards and what it changes. */
export interface OrderCommand {
  storeId: string;
  idempotency: IdempotencyClaim | null;
  status: 200 | 201;
  isNew: boolean;
  apply(store: CommandStore, now: string): { order: Order; event: OrderEventType };
}

function requireOrder(store: CommandStore, orderId: string): Order {
  return store.load(orderId) ?? refuse("not_found", "Order not found");
}

export function refusedCreateCommand(command: RefusedCreateCommand): OrderCommand {
  return {
    storeId: command.storeId,
    idempotency: command.idempotency,
    status: 201,
    isNew: true,
    apply: () => {
      throw new OrderRuleError(command.refusal);
    },
  };
}

export function createCommand(command: CreateOrderCommand): OrderCommand {
  return {
    storeId: command.storeId,
    idempotency: command.idempotency,
    status: 201,
    isNew: true,
    apply: (_store, now) => ({ order: draftOrder(command.input, command.defaultCurrency, now), event: "order.created" }),
  };
}

export function updateCommand(command: UpdateOrderCommand): OrderCommand {
  return {
    storeId: command.storeId,
    idempotency: null,
    status: 200,
    isNew: false,
    apply: (store, now) => ({
      order: editDraft(requireOrder(store, command.orderId), command.expectedVersion, command.patch, now),
      event: "order.updated",
    }),
  };
}

export function transitionCommand(command: TransitionOrderCommand): OrderCommand {
  return {
    storeId: command.storeId,
    idempotency: command.idempotency,
    status: 200,
    isNew: false,
    apply: (store, now) =>
      transition(requireOrder(store, command.orderId), command.action, command.expectedVersion, now, {
        cancellationReason: command.cancellationReason,
      }),
  };
}

/**
 * Runs a command against the object's storage; call it inside one `transactionSync`. Idempotency policy (the
 * same as the D1 path): a stored success replays (another body under the key is
 * `idempotency_key_reused`); only a success is remembered, together with its effect and event;
 * a refusal throws `OrderRuleError`, which rolls everything back, so a retry is judged afresh.
 */
export function runCommand(store: CommandStore, command: OrderCommand, nowMs: number): CommandResult {
  const { idempotency } = command;
  if (idempotency) {
    const prior = store.findResponse(idempotency, nowMs);
    if (prior) {
      if (prior.request_hash !== idempotency.requestHash) {
        refuse("idempotency_key_reused", "This Idempotency-Key was used with a different request");
      }
      return { ok: true, status: prior.status as 200 | 201, order: JSON.parse(prior.body) as Order, replayed: true };
    }
  }
  const { order, event } = command.apply(store, nowIso(nowMs));
  const body = store.save(order, command.isNew);
  store.appendEvent(command.storeId, event, order, body, nowMs);
  if (idempotency) store.rememberResponse(idempotency, command.status, body, nowMs);
  return { ok: true, status: command.status, order, replayed: false };
}
