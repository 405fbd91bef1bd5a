import { addCents, multiplyCents } from "../../shared/money";
import { newId } from "../../shared/ids";
import type { Order, OrderLine } from "./orders.schemas";
import type { OrderCommand } from "./orders.service";

/** An order as a checkout billed it: items, and the discount, tax and shipping as custom lines. */
export interface CheckoutOrderCommand {
  storeId: string;
  /** The checkout's id: the order's idempotency key in the stream, so a resumed checkout makes one order. */
  checkoutId: string;
  /** Decided by the checkout (derived from its id), so the invoice can name its order before the order exists. */
  orderId: string;
  invoiceId: string;
  cartId: string;
  customerId: string | null;
  currency: string;
  /** `closed` (paid) when the payment succeeded or nothing was due; `confirmed` while it is pending. */
  status: "closed" | "confirmed";
  items: Array<{ productId: string; title: string; quantity: number; unitPriceCents: number }>;
  discountCents: number;
  discountTitle: string | null;
  taxCents: number;
  shippingCents: number;
}

function customLine(title: string, cents: number): OrderLine {
  return { id: newId("oli"), product_id: null, title, custom: true, quantity: 1, unit_price_cents: cents, total_cents: cents };
}

/** The order a checkout creates; its total is the invoice's (items - discount + tax + shipping). */
export function checkoutOrder(command: CheckoutOrderCommand, now: string): Order {
  const items: OrderLine[] = command.items.map((item) => ({
    id: newId("oli"),
    product_id: item.productId,
    title: item.title,
    custom: false,
    quantity: item.quantity,
    unit_price_cents: item.unitPriceCents,
    total_cents: multiplyCents(item.unitPriceCents, item.quantity),
  }));
  const extra = [
    ...(command.discountCents > 0 ? [customLine(command.discountTitle ?? "Discount", -command.discountCents)] : []),
    ...(command.shippingCents > 0 ? [customLine("Shipping", command.shippingCents)] : []),
    ...(command.taxCents > 0 ? [customLine("Tax", command.taxCents)] : []),
  ];
  const subtotal = addCents(0, ...items.map((l) => l.total_cents));
  const lines = [...items, ...extra];
  return {
    id: command.orderId,
    status: command.status,
    customer_id: command.customerId,
    currency: command.currency,
    lines,
    subtotal_cents: subtotal,
    total_cents: lines.reduce((sum, l) => sum + l.total_cents, 0),
    notes: null,
    metadata: { source: "checkout", invoice_id: command.invoiceId, cart_id: command.cartId, checkout_id: command.checkoutId },
    cancellation_reason: null,
    version: 1,
    created_at: now,
    updated_at: now,
    confirmed_at: now,
    closed_at: command.status === "closed" ? now : null,
    shipped_at: null,
    delivered_at: null,
    canceled_at: null,
  };
}

export function checkoutOrderCommand(command: CheckoutOrderCommand): OrderCommand {
  return {
    storeId: command.storeId,
    idempotency: { method: "POST", route: "/v1/carts/:id/checkout", key: command.checkoutId, requestHash: command.checkoutId },
    status: 201,
    isNew: true,
    apply: (_store, now) => ({ order: checkoutOrder(command, now), event: "order.created" }),
  };
}
