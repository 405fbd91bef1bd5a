import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Where a part of an invoice was paid from, and how much of it has been given back. */
export interface InvoiceSource {
  kind: "gift_card" | "credit" | "payment";
  /** The gift card or credit id; the provider's charge id for `payment`. */
  ref: string;
  /** The spend ledger row (gift card or credit), to reverse it; null for `payment`. */
  ledgerEntryId: string | null;
  amountCents: number;
}

/**
 * A bill: one per checkout (`checkout_id` unique, so a retried checkout batch cannot write a second),
 * its amounts by source, and its state: open → collected | failed; collected → partially_refunded
 * → refunded. `refunded_cents` never exceeds `total_cents` (CHECK, and every refund's guard).
 */
export const invoices = sqliteTable(
  "invoices",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    checkoutId: text("checkout_id"),
    cartId: text("cart_id"),
    customerId: text("customer_id"),
    orderId: text("order_id"),
    email: text("email"),
    currency: text("currency").notNull(),
    state: text("state", { enum: ["open", "collected", "failed", "partially_refunded", "refunded"] }).notNull(),
    subtotalCents: integer("subtotal_cents").notNull(),
    discountCents: integer("discount_cents").notNull(),
    taxCents: integer("tax_cents").notNull(),
    shippingCents: integer("shipping_cents").notNull(),
    totalCents: integer("total_cents").notNull(),
    giftCardCents: integer("gift_card_cents").notNull().default(0),
    creditCents: integer("credit_cents").notNull().default(0),
    paymentCents: integer("payment_cents").notNull().default(0),
    refundedCents: integer("refunded_cents").notNull().default(0),
    /** JSON `InvoiceSource[]` in the order they were drawn. */
    sources: text("sources").notNull().default("[]"),
    couponRedemptionId: text("coupon_redemption_id"),
    couponCode: text("coupon_code"),
    /** A loyalty voucher the checkout redeemed (given back if the payment fails). */
    voucherId: text("voucher_id"),
    paymentMethod: text("payment_method"),
    paymentBrand: text("payment_brand"),
    paymentLast4: text("payment_last4"),
    paymentToken: text("payment_token"),
    chargeId: text("charge_id"),
    paymentStatus: text("payment_status", { enum: ["none", "pending", "succeeded", "declined"] }).notNull().default("none"),
    failureMessage: text("failure_message"),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    collectedAt: text("collected_at"),
    failedAt: text("failed_at"),
  },
  (t) => [
    uniqueIndex("invoices_checkout_unique").on(t.checkoutId),
    index("invoices_store_created_idx").on(t.storeId, t.createdAt, t.id),
    index("invoices_store_state_idx").on(t.storeId, t.state, t.createdAt, t.id),
    index("invoices_customer_idx").on(t.storeId, t.customerId, t.createdAt, t.id),
    check("invoices_refund_range", sql`${t.refundedCents} >= 0 AND ${t.refundedCents} <= ${t.totalCents}`),
  ],
);

/** An invoice's lines: the items as billed, and one line each for the discount, tax and shipping. */
export const invoiceLines = sqliteTable(
  "invoice_lines",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    invoiceId: text("invoice_id").notNull(),
    position: integer("position").notNull(),
    kind: text("kind", { enum: ["item", "discount", "tax", "shipping"] }).notNull(),
    productId: text("product_id"),
    title: text("title").notNull(),
    quantity: integer("quantity").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
    /** Signed: a discount line is negative. */
    amountCents: integer("amount_cents").notNull(),
    refundedCents: integer("refunded_cents").notNull().default(0),
    restockedQuantity: integer("restocked_quantity").notNull().default(0),
  },
  (t) => [
    index("invoice_lines_invoice_idx").on(t.invoiceId, t.position),
    check("invoice_lines_refund_range", sql`${t.refundedCents} >= 0 AND (${t.amountCents} < 0 OR ${t.refundedCents} <= ${t.amountCents})`),
    check("invoice_lines_restock_range", sql`${t.restockedQuantity} >= 0 AND ${t.restockedQuantity} <= ${t.quantity}`),
  ],
);

/** A refund of (part of) a collected invoice: how much, from which lines, and back to which sources. */
export const refunds = sqliteTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    invoiceId: text("invoice_id").notNull(),
    amountCents: integer("amount_cents").notNull(),
    destination: text("destination", { enum: ["original", "store_credit"] }).notNull(),
    paymentCents: integer("payment_cents").notNull().default(0),
    giftCardCents: integer("gift_card_cents").notNull().default(0),
    creditCents: integer("credit_cents").notNull().default(0),
    storeCreditCents: integer("store_credit_cents").notNull().default(0),
    /** JSON `[{ line_id, amount_cents, restock_quantity }]`. */
    lines: text("lines").notNull().default("[]"),
    /** JSON `InvoiceSource[]`: what this refund gave back to each source (payment, gift card, credit). */
    sources: text("sources").notNull().default("[]"),
    reason: text("reason"),
    /** `pending` until the provider refunded the payment part (no payment part: `succeeded` at once). */
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    providerRefundId: text("provider_refund_id"),
    failureMessage: text("failure_message"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("refunds_invoice_idx").on(t.invoiceId, t.createdAt, t.id), check("refunds_positive", sql`${t.amountCents} > 0`)],
);

export type InvoiceRow = typeof invoices.$inferSelect;
export type InvoiceLineRow = typeof invoiceLines.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
