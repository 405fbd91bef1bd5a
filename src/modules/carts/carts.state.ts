import { afterDiscount, discountCents } from "../coupons";

/** A product as the catalog says it is now (read from D1 by the Worker, never from the client). */
export interface ProductSnapshot {
  id: string;
  storeId: string;
  title: string;
  priceCents: number;
  currency: string;
  inventory: number;
  /** False when the product was deleted (no longer sold). */
  live: boolean;
}

export interface CartSettings {
  taxRateBps: number;
  shippingFlatCents: number;
  freeShippingOverCents: number | null;
  maxItemQuantity: number;
  expirySeconds: number;
}

export interface CartLine {
  id: string;
  productId: string;
  title: string;
  unitPriceCents: number;
  quantity: number;
  inventory: number;
  live: boolean;
  addedAt: string;
}

export type CartDiscount =
  | { id: string; kind: "coupon"; couponId: string; code: string; percentOff: number | null; amountOffCents: number | null; minSubtotalCents: number | null; addedAt: string }
  | { id: string; kind: "gift_card"; giftCardId: string; last4: string; balanceCents: number; addedAt: string }
  | { id: string; kind: "voucher"; voucherId: string; code: string; percentOff: number | null; amountOffCents: number | null; addedAt: string };

export interface CartAddress {
  id: string;
  name: string | null;
  company: string | null;
  line1: string;
  line2: string | null;
  city: string;
  state: string | null;
  postal_code: string | null;
  country: string;
  phone: string | null;
  removed: boolean;
}

export interface CartPaymentMethod {
  id: string;
  type: "test_card";
  token: string;
  brand: string;
  last4: string;
  removed: boolean;
}

export interface CartState {
  id: string;
  storeId: string;
  customerId: string | null;
  /** SHA-256 of the anonymous cart's token (`ct_`); null for a customer's cart. */
  tokenHash: string | null;
  currency: string;
  email: string | null;
  status: "open" | "merged" | "replaced" | "expired" | "completed";
  version: number;
  lines: CartLine[];
  discounts: CartDiscount[];
  addresses: CartAddress[];
  paymentMethods: CartPaymentMethod[];
  selectedAddressId: string | null;
  selectedPaymentMethodId: string | null;
  settings: CartSettings;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  /** When lines and settings were last refreshed from D1 (ms). */
  refreshedAt: number;
}

export interface IncompleteReason {
  code: "no_items" | "email_required" | "no_delivery_address" | "no_payment_method" | "out_of_stock" | "no_longer_sold";
  field: string;
  message: string;
}

/** Half up to the minor unit: tax on 1005 at 10% (100.5) is 101. */
export function taxCents(taxableCents: number, rateBps: number): number {
  return Math.floor((taxableCents * rateBps + 5_000) / 10_000);
}

/**
 * The cart's money, computed once for every reader: the coupon on the subtotal, tax at the store's
 * rate on the discounted subtotal (half up), shipping flat unless the discounted subtotal reaches
 * the free-shipping threshold; gift cards then reduce what is due, never the total.
 */
export function cartTotals(state: Pick<CartState, "lines" | "discounts" | "settings">) {
  const subtotal = state.lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
  const discounts = state.discounts.map((d) => {
    if (d.kind === "gift_card") return { id: d.id, amount: 0 };
    const applies = d.kind === "voucher" || d.minSubtotalCents === null || subtotal >= d.minSubtotalCents;
    return { id: d.id, amount: applies ? discountCents(d, subtotal) : 0 };
  });
  const discountTotal = Math.min(subtotal, discounts.reduce((sum, d) => sum + d.amount, 0));
  const taxable = afterDiscount(subtotal, discountTotal);
  const tax = taxCents(taxable, state.settings.taxRateBps);
  const free = state.settings.freeShippingOverCents !== null && taxable >= state.settings.freeShippingOverCents;
  const shipping = state.lines.length === 0 || free ? 0 : state.settings.shippingFlatCents;
  const grandTotal = taxable + tax + shipping;
  let due = grandTotal;
  const giftCards = state.discounts.flatMap((d) => {
    if (d.kind !== "gift_card") return [];
    const applied = Math.min(d.balanceCents, due);
    due -= applied;
    return [{ id: d.id, amount: applied }];
  });
  return { subtotal, discounts: [...discounts.filter((d) => !giftCards.some((g) => g.id === d.id)), ...giftCards], discountTotal, tax, shipping, grandTotal, amountDue: due };
}

/**
 * Why the cart cannot check out yet, in this documented order: items, email (anonymous carts only),
 * delivery address, payment method, then each line out of stock or no longer sold, in line order.
 */
export function incompleteReasons(state: CartState): IncompleteReason[] {
  const reasons: IncompleteReason[] = [];
  if (state.lines.length === 0) reasons.push({ code: "no_items", field: "items", message: "The cart has no items" });
  if (state.customerId === null && !state.email) reasons.push({ code: "email_required", field: "email", message: "An email address is needed for an anonymous cart" });
  if (!state.selectedAddressId) reasons.push({ code: "no_delivery_address", field: "selected_address_id", message: "Select a delivery address" });
  if (!state.selectedPaymentMethodId) reasons.push({ code: "no_payment_method", field: "selected_payment_method_id", message: "Select a payment method" });
  state.lines.forEach((line, i) => {
    if (!line.live) reasons.push({ code: "no_longer_sold", field: `items[${i}]`, message: `${line.title} is no longer sold` });
    else if (line.quantity > line.inventory) reasons.push({ code: "out_of_stock", field: `items[${i}]`, message: `Only ${line.inventory} of ${line.title} in stock` });
  });
  return reasons;
}
