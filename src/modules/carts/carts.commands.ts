import type { EventMessage } from "../events";
import { newId } from "../../shared/ids";
import type { CartAddress, CartDiscount, CartLine, CartPaymentMethod, CartSettings, CartState, ProductSnapshot } from "./carts.state";

/** A command's refusal, carried across the RPC boundary as data (the Worker turns it into an ApiError). */
export interface CartRefusal {
  ok: false;
  code: "not_found" | "stale_version" | "validation_failed" | "conflict" | "currency_mismatch" | "product_not_found" | "invalid_transition";
  message: string;
  errors?: Array<{ path: string; message: string }>;
  currentVersion?: number;
}

export type CartOutcome = { ok: true; state: CartState } | CartRefusal;

export interface Change {
  state: CartState;
  events: EventMessage[];
}

export const MAX_LINES = 100;
export const MAX_GIFT_CARDS = 5;

const refuse = (code: CartRefusal["code"], message: string, extra: Partial<CartRefusal> = {}): CartRefusal => ({ ok: false, code, message, ...extra });

function event(state: CartState, type: string, data: Record<string, unknown>, now: string): EventMessage {
  return { id: newId("evt"), store_id: state.storeId, type, resource_type: "cart", resource_id: state.id, resource_version: state.version, created_at: now, data };
}

/** Every accepted command: a new version, activity pushes the expiry out. */
function bump(state: CartState, now: string): CartState {
  return { ...state, version: state.version + 1, updatedAt: now, expiresAt: new Date(Date.parse(now) + state.settings.expirySeconds * 1000).toISOString() };
}

export function checkVersion(state: CartState, expected: number | undefined): CartRefusal | null {
  if (expected !== undefined && expected !== state.version) {
    return refuse("stale_version", `The cart is at version ${state.version}`, { currentVersion: state.version });
  }
  return null;
}

/** Adds items all or nothing; a product already in the cart raises its quantity. */
export function addItems(state: CartState, items: Array<{ product: ProductSnapshot; quantity: number }>, now: string): Change | CartRefusal {
  // A new array, and a new object only for the lines that change (storage writes just those).
  const lines = [...state.lines];
  const errors: Array<{ path: string; message: string }> = [];
  items.forEach(({ product, quantity }, i) => {
    if (!product.live || product.storeId !== state.storeId) return errors.push({ path: `items[${i}].product_id`, message: "No such product in this store" });
    if (product.currency !== state.currency) return errors.push({ path: `items[${i}].product_id`, message: `The product is priced in ${product.currency}, the cart in ${state.currency}` });
    const at = lines.findIndex((l) => l.productId === product.id);
    const line = at >= 0 ? lines[at] : undefined;
    const total = (line?.quantity ?? 0) + quantity;
    if (total > state.settings.maxItemQuantity) return errors.push({ path: `items[${i}].quantity`, message: `At most ${state.settings.maxItemQuantity} of one product per cart` });
    if (line) lines[at] = { ...line, quantity: total, title: product.title, unitPriceCents: product.priceCents, inventory: product.inventory, live: true };
    else lines.push({ id: newId("cli"), productId: product.id, title: product.title, unitPriceCents: product.priceCents, quantity, inventory: product.inventory, live: true, addedAt: now });
    return undefined;
  });
  if (errors.length > 0) return refuse("validation_failed", "No item was added: one or more are invalid", { errors });
  if (lines.length > MAX_LINES) return refuse("validation_failed", `A cart holds at most ${MAX_LINES} lines`, { errors: [{ path: "items", message: `At most ${MAX_LINES} lines` }] });
  const next = bump({ ...state, lines }, now);
  const day = now.slice(0, 10);
  return { state: next, events: items.map(({ product, quantity }) => event(next, "cart.item_added", { cart_id: state.id, product_id: product.id, quantity, day }, now)) };
}

export function setQuantity(state: CartState, lineId: string, quantity: number, now: string): Change | CartRefusal {
  const line = state.lines.find((l) => l.id === lineId);
  if (!line) return refuse("not_found", "No such item in this cart");
  if (quantity > state.settings.maxItemQuantity) return refuse("validation_failed", "Too many", { errors: [{ path: "quantity", message: `At most ${state.settings.maxItemQuantity}` }] });
  const next = bump({ ...state, lines: state.lines.map((l) => (l.id === lineId ? { ...l, quantity } : l)) }, now);
  return { state: next, events: [event(next, "cart.item_updated", { cart_id: state.id, product_id: line.productId, quantity }, now)] };
}

export function removeLine(state: CartState, lineId: string, now: string): Change | CartRefusal {
  const line = state.lines.find((l) => l.id === lineId);
  if (!line) return refuse("not_found", "No such item in this cart");
  const next = bump({ ...state, lines: state.lines.filter((l) => l.id !== lineId) }, now);
  return { state: next, events: [event(next, "cart.item_removed", { cart_id: state.id, product_id: line.productId }, now)] };
}

export interface CartPatch {
  email?: string | null | undefined;
  selected_address_id?: string | null | undefined;
  selected_payment_method_id?: string | null | undefined;
}

export function patchCart(state: CartState, patch: CartPatch, now: string): Change | CartRefusal {
  const next = { ...state };
  if (patch.email !== undefined) next.email = patch.email;
  if (patch.selected_address_id !== undefined) {
    if (patch.selected_address_id !== null && !state.addresses.some((a) => a.id === patch.selected_address_id && !a.removed)) {
      return refuse("validation_failed", "Unknown address", { errors: [{ path: "selected_address_id", message: "Not an address of this cart" }] });
    }
    next.selectedAddressId = patch.selected_address_id;
  }
  if (patch.selected_payment_method_id !== undefined) {
    if (patch.selected_payment_method_id !== null && !state.paymentMethods.some((p) => p.id === patch.selected_payment_method_id && !p.removed)) {
      return refuse("validation_failed", "Unknown payment method", { errors: [{ path: "selected_payment_method_id", message: "Not a payment method of this cart" }] });
    }
    next.selectedPaymentMethodId = patch.selected_payment_method_id;
  }
  const bumped = bump(next, now);
  return { state: bumped, events: [event(bumped, "cart.updated", { cart_id: state.id, fields: Object.keys(patch) }, now)] };
}

export function addAddress(state: CartState, address: Omit<CartAddress, "id" | "removed">, now: string): Change {
  const id = newId("cad");
  const next = bump({ ...state, addresses: [...state.addresses, { ...address, id, removed: false }], selectedAddressId: id }, now);
  return { state: next, events: [event(next, "cart.address_added", { cart_id: state.id, address_id: id }, now)] };
}

export function removeAddress(state: CartState, addressId: string, now: string): Change | CartRefusal {
  if (!state.addresses.some((a) => a.id === addressId && !a.removed)) return refuse("not_found", "No such address in this cart");
  const next = bump(
    { ...state, addresses: state.addresses.map((a) => (a.id === addressId ? { ...a, removed: true } : a)), selectedAddressId: state.selectedAddressId === addressId ? null : state.selectedAddressId },
    now,
  );
  return { state: next, events: [event(next, "cart.address_removed", { cart_id: state.id, address_id: addressId }, now)] };
}

export function addPaymentMethod(state: CartState, method: Omit<CartPaymentMethod, "id" | "removed">, now: string): Change {
  const id = newId("cpm");
  const next = bump({ ...state, paymentMethods: [...state.paymentMethods, { ...method, id, removed: false }], selectedPaymentMethodId: id }, now);
  return { state: next, events: [event(next, "cart.payment_method_added", { cart_id: state.id, payment_method_id: id, brand: method.brand, last4: method.last4 }, now)] };
}

export function removePaymentMethod(state: CartState, methodId: string, now: string): Change | CartRefusal {
  if (!state.paymentMethods.some((p) => p.id === methodId && !p.removed)) return refuse("not_found", "No such payment method in this cart");
  const next = bump(
    {
      ...state,
      paymentMethods: state.paymentMethods.map((p) => (p.id === methodId ? { ...p, removed: true } : p)),
      selectedPaymentMethodId: state.selectedPaymentMethodId === methodId ? null : state.selectedPaymentMethodId,
    },
    now,
  );
  return { state: next, events: [event(next, "cart.payment_method_removed", { cart_id: state.id, payment_method_id: methodId }, now)] };
}

export type NewDiscount =
  | Omit<Extract<CartDiscount, { kind: "coupon" }>, "id" | "addedAt">
  | Omit<Extract<CartDiscount, { kind: "gift_card" }>, "id" | "addedAt">
  | Omit<Extract<CartDiscount, { kind: "voucher" }>, "id" | "addedAt">;

export function addDiscount(state: CartState, discount: NewDiscount, now: string): Change | CartRefusal {
  if (discount.kind === "coupon" && state.discounts.some((d) => d.kind === "coupon")) return refuse("conflict", "A coupon is already applied; remove it first");
  if (discount.kind === "gift_card" && state.discounts.some((d) => d.kind === "gift_card" && d.giftCardId === discount.giftCardId)) return refuse("conflict", "This gift card is already applied");
  if (discount.kind === "voucher" && state.discounts.some((d) => d.kind === "voucher")) return refuse("conflict", "A voucher is already applied; remove it first");
  if (discount.kind === "gift_card" && state.discounts.filter((d) => d.kind === "gift_card").length >= MAX_GIFT_CARDS) return refuse("conflict", `At most ${MAX_GIFT_CARDS} gift cards per cart`);
  const id = newId("cdi");
  const next = bump({ ...state, discounts: [...state.discounts, { ...discount, id, addedAt: now } as CartDiscount] }, now);
  return { state: next, events: [event(next, "cart.discount_added", { cart_id: state.id, discount_id: id, kind: discount.kind }, now)] };
}

export function removeDiscount(state: CartState, discountId: string, now: string): Change | CartRefusal {
  if (!state.discounts.some((d) => d.id === discountId)) return refuse("not_found", "No such discount on this cart");
  const next = bump({ ...state, discounts: state.discounts.filter((d) => d.id !== discountId) }, now);
  return { state: next, events: [event(next, "cart.discount_removed", { cart_id: state.id, discount_id: discountId }, now)] };
}

/** Login merge: the anonymous cart's items join (quantities add, capped at the store maximum) and its selections win. */
export function absorb(state: CartState, other: CartState, now: string): Change {
  const lines: CartLine[] = state.lines.map((l) => ({ ...l }));
  for (const line of other.lines) {
    const mine = lines.find((l) => l.productId === line.productId);
    if (mine) mine.quantity = Math.min(state.settings.maxItemQuantity, mine.quantity + line.quantity);
    else lines.push({ ...line });
  }
  const otherCoupon = other.discounts.find((d) => d.kind === "coupon");
  const discounts = [
    ...state.discounts.filter((d) => !(otherCoupon && d.kind === "coupon")),
    ...other.discounts.filter((d) => d.kind === "coupon" || !state.discounts.some((m) => m.kind === "gift_card" && d.kind === "gift_card" && m.giftCardId === d.giftCardId)),
  ];
  const next = bump(
    {
      ...state,
      lines: lines.slice(0, MAX_LINES),
      discounts,
      addresses: [...state.addresses, ...other.addresses],
      paymentMethods: [...state.paymentMethods, ...other.paymentMethods],
      selectedAddressId: other.selectedAddressId ?? state.selectedAddressId,
      selectedPaymentMethodId: other.selectedPaymentMethodId ?? state.selectedPaymentMethodId,
    },
    now,
  );
  return { state: next, events: [event(next, "cart.merged", { cart_id: state.id, merged_cart_id: other.id }, now)] };
}

/** Lines and settings as the catalog and the store say now; a change that matters bumps the version. */
export function refreshed(state: CartState, products: ProductSnapshot[], settings: CartSettings, now: number): CartState {
  const byId = new Map(products.map((p) => [p.id, p]));
  let changed = JSON.stringify(settings) !== JSON.stringify(state.settings);
  const lines = state.lines.map((line) => {
    const product = byId.get(line.productId);
    const next = product && product.storeId === state.storeId
      ? { ...line, title: product.title, unitPriceCents: product.priceCents, inventory: product.inventory, live: product.live && product.currency === state.currency }
      : { ...line, live: false, inventory: 0 };
    if (next.title !== line.title || next.unitPriceCents !== line.unitPriceCents || next.inventory !== line.inventory || next.live !== line.live) changed = true;
    return next;
  });
  const next = { ...state, lines, settings: { ...settings, expirySeconds: settings.expirySeconds }, refreshedAt: now };
  return changed ? { ...next, version: state.version + 1 } : next;
}
