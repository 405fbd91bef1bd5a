import type { CartState } from "./carts.state";

/** How long a runner owns a checkout before another request may take it over (a crashed Worker). */
export const CHECKOUT_LEASE_MS = 15_000;

/** What the checkout's D1 batch wrote: enough to charge, compensate and create the order without re-reading. */
export interface CheckoutBill {
  invoiceId: string;
  currency: string;
  customerId: string | null;
  subtotalCents: number;
  discountCents: number;
  discountTitle: string | null;
  taxCents: number;
  shippingCents: number;
  totalCents: number;
  giftCardCents: number;
  creditCents: number;
  amountDueCents: number;
  items: Array<{ productId: string; title: string; quantity: number; unitPriceCents: number }>;
  paymentMethod: { type: "test_card"; token: string; brand: string; last4: string } | null;
}

export interface CheckoutCharge {
  status: "succeeded" | "pending" | "declined" | "none";
  chargeId: string | null;
  message: string | null;
}

/** The final answer of a checkout, replayed for its key. */
export type CheckoutAnswer =
  | { status: 200; body: { order_id: string; invoice_id: string; order_url: string; invoice_url: string; payment_status: "paid" | "pending_payment" } }
  | { status: 422; code: "payment_declined"; detail: string; extra: Record<string, unknown> };

/**
 * One checkout of a cart, kept by the cart's object: its progress is recorded before each external
 * step (the D1 batch, the charge, the order), so a retry after a crash anywhere resumes from the last
 * recorded step and never repeats a completed one.
 */
export interface CheckoutRecord {
  id: string;
  key: string;
  requestHash: string;
  step: "started" | "reserved" | "charged" | "done";
  holder: string | null;
  leaseUntil: number;
  createdAt: string;
  /** The cart as it was when the checkout began (the cart refuses changes while a checkout runs). */
  cart: CartState;
  bill: CheckoutBill | null;
  charge: CheckoutCharge | null;
  answer: CheckoutAnswer | null;
  /**
   * Other keys whose requests took this checkout over after its runner died or failed (a client
   * that retried with a new key): when it finishes, its answer is stored for each of them too.
   */
  aliases?: Array<{ key: string; requestHash: string }>;
}

export type BeginOutcome =
  | { kind: "not_found" }
  | { kind: "mismatch" }
  | { kind: "replay"; answer: CheckoutAnswer }
  | { kind: "busy"; retryMs: number }
  | { kind: "run"; record: CheckoutRecord; resumed: boolean };

export type CheckoutPatch = Partial<Pick<CheckoutRecord, "step" | "bill" | "charge">>;

/** The checkout running now (unfinished), if any. */
export function activeCheckout(records: Record<string, CheckoutRecord>): CheckoutRecord | null {
  for (const record of Object.values(records)) if (record.step !== "done") return record;
  return null;
}

/**
 * Starts, resumes or answers a checkout. A key that finished answers its stored answer; an unfinished
 * checkout whose lease is live is `busy` (the caller waits), also for another key; one whose lease ran
 * out is taken over and resumed, by another key too (which then shares its answer); otherwise a new
 * checkout freezes the open cart.
 */
export function begin(
  records: Record<string, CheckoutRecord>,
  cart: CartState | null,
  input: { id: string; key: string; requestHash: string; holder: string; nowMs: number; now: string },
): { outcome: BeginOutcome; changed: CheckoutRecord | null } {
  const existing = records[input.key];
  if (existing) {
    if (existing.requestHash !== input.requestHash) return { outcome: { kind: "mismatch" }, changed: null };
    if (existing.answer) return { outcome: { kind: "replay", answer: existing.answer }, changed: null };
  }
  const active = activeCheckout(records);
  if (active && active.holder !== null && active.leaseUntil > input.nowMs) return { outcome: { kind: "busy", retryMs: Math.min(200, active.leaseUntil - input.nowMs) }, changed: null };
  if (active) {
    // Its runner died or failed. Another key takes it over rather than waiting for the first key
    // forever: the frozen cart is the same, so it is the same checkout (its batch may have applied,
    // its charge may have run), finished once under its own id and answered to both keys.
    const aliases = active.key === input.key || active.aliases?.some((a) => a.key === input.key) ? active.aliases : [...(active.aliases ?? []), { key: input.key, requestHash: input.requestHash }];
    const resumed: CheckoutRecord = { ...active, holder: input.holder, leaseUntil: input.nowMs + CHECKOUT_LEASE_MS, ...(aliases ? { aliases } : {}) };
    return { outcome: { kind: "run", record: resumed, resumed: true }, changed: resumed };
  }
  if (!cart) return { outcome: { kind: "not_found" }, changed: null };
  const record: CheckoutRecord = {
    id: input.id,
    key: input.key,
    requestHash: input.requestHash,
    step: "started",
    holder: input.holder,
    leaseUntil: input.nowMs + CHECKOUT_LEASE_MS,
    createdAt: input.now,
    cart,
    bill: null,
    charge: null,
    answer: null,
  };
  return { outcome: { kind: "run", record, resumed: false }, changed: record };
}
