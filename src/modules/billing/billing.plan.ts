import { and, eq, getTableColumns, inArray, isNull, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { products, stores } from "../../db/schema";
import { batchable, changedOneRow, chunkForParams } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { nowIso } from "../../shared/time";
import { type CartState, type CheckoutBill, type CheckoutRecord, cartTotals, incompleteReasons, productSnapshots, refreshed } from "../carts";
import { planCouponRedemption, planCouponReversal } from "../coupons";
import { planCreditDraw, planCreditReversal } from "../credits";
import type { EventDraft } from "../events";
import { planGiftCardDraw, planGiftCardReversal } from "../giftcards";
import { findVoucherById, voucherRedemption, voucherRelease, voucherState } from "../loyalty";
import type { Write } from "../idempotency";
import { changeInventory } from "../products";
import { type InvoiceLineRow, type InvoiceRow, type InvoiceSource, invoiceLines, invoices } from "./billing.tables";

type Statements = Write<unknown>["statements"];

/** Bound parameters per invoice line row: every column of `invoice_lines` is written. */
const INVOICE_LINE_PARAMS = Object.keys(getTableColumns(invoiceLines)).length;

function stockChange(db: Db, storeId: string, productId: string, adjust: number, reason: string) {
  const write = changeInventory(db, storeId, productId, { adjust }, reason);
  return { statements: write.statements, events: write.events ?? [] };
}

/** Step 1 of a checkout: the cart re-read against the catalog, or the reasons it cannot check out. */
async function freshCart(db: Db, cart: CartState) {
  const [snapshots, [store]] = await Promise.all([
    productSnapshots(db, cart.storeId, cart.lines.map((l) => l.productId)),
    db.select().from(stores).where(and(eq(stores.id, cart.storeId), isNull(stores.deletedAt))).limit(1),
  ]);
  if (!store) throw new ApiError("not_found", "No such cart");
  const settings = { ...cart.settings, taxRateBps: store.taxRateBps, shippingFlatCents: store.shippingFlatCents, freeShippingOverCents: store.freeShippingOverCents };
  const state = refreshed(cart, snapshots, settings, Date.now());
  const reasons = incompleteReasons(state);
  const blocking = reasons.filter((r) => r.code !== "out_of_stock");
  if (blocking.length > 0) {
    throw new ApiError("checkout_incomplete", "The cart cannot be checked out yet", { errors: reasons.map((r) => ({ path: r.field, message: r.message })), extra: { incomplete_reasons: reasons } });
  }
  if (reasons.length > 0) throw outOfStock(state, reasons.map((r) => Number(/\d+/.exec(r.field)?.[0])));
  return { state, order: store.storedValueOrder };
}

function outOfStock(state: CartState, indexes: number[]): ApiError {
  const lines = indexes.map((i) => state.lines[i]!).map((l) => ({ item_id: l.id, product_id: l.productId, title: l.title, quantity: l.quantity, in_stock: l.inventory }));
  return new ApiError("out_of_stock", `Not enough stock for ${lines.map((l) => l.title).join(", ")}`, { extra: { lines } });
}

/** After a refused batch: the lines whose stock no longer covers them (an out_of_stock answer), if any. */
export async function shortLines(db: Db, cart: CartState): Promise<ApiError | null> {
  const ids = cart.lines.map((l) => l.productId);
  const rows = ids.length ? await db.select({ id: products.id, inventory: products.inventory }).from(products).where(and(inArray(products.id, ids), eq(products.storeId, cart.storeId))) : [];
  const stock = new Map(rows.map((r) => [r.id, r.inventory]));
  const short = cart.lines.flatMap((l, i) => ((stock.get(l.productId) ?? 0) < l.quantity ? [i] : []));
  return short.length > 0 ? outOfStock({ ...cart, lines: cart.lines.map((l) => ({ ...l, inventory: stock.get(l.productId) ?? 0 })) }, short) : null;
}

/**
 * Step 2 of a checkout, planned: one batch that takes the stock (guarded, never below zero), redeems
 * the coupon, draws gift cards and store credit in the store's order, and writes the invoice
 * (`open`) with its lines, its sources and the events. `checkout_id` is unique on invoices, so a
 * batch retried after it applied fails instead of applying twice.
 */
export async function planReservation(db: Db, env: Pick<Bindings, "ORDER_STREAM">, record: CheckoutRecord, invoiceId: string) {
  const { state, order } = await freshCart(db, record.cart);
  const storeId = state.storeId;
  const totals = cartTotals(state);
  const statements: Statements = [];
  const events: EventDraft[] = [];
  for (const line of state.lines) {
    const change = stockChange(db, storeId, line.productId, -line.quantity, `sale:${invoiceId}`);
    statements.push(...change.statements);
    events.push(...change.events);
  }
  let redemptionId: string | null = null;
  const coupon = state.discounts.find((d) => d.kind === "coupon");
  const couponAmount = coupon ? (totals.discounts.find((d) => d.id === coupon.id)?.amount ?? 0) : 0;
  if (coupon && coupon.kind === "coupon" && couponAmount > 0) {
    const plan = await planCouponRedemption(db, env, storeId, { couponId: coupon.couponId, subtotalCents: totals.subtotal, currency: state.currency, ...(state.customerId ? { customerId: state.customerId } : {}), reference: invoiceId });
    if (plan.result.discountCents !== couponAmount) throw new ApiError("code_not_applicable", "The coupon changed since it was added; review the cart");
    redemptionId = plan.result.redemptionId;
    statements.push(...plan.statements);
    events.push(...(plan.events ?? []));
  }
  const voucher = state.discounts.find((d) => d.kind === "voucher");
  if (voucher && voucher.kind === "voucher") {
    if (!state.customerId) throw new ApiError("code_not_applicable", "A voucher needs its customer's cart");
    const current = await findVoucherById(db, storeId, voucher.voucherId);
    if (!current || current.customerId !== state.customerId || voucherState(current) !== "available") throw new ApiError("code_not_applicable", "The voucher was already used or has expired; remove it from the cart");
    statements.push(...voucherRedemption(db, storeId, voucher.voucherId, state.customerId, invoiceId));
    events.push({ type: "loyalty.voucher_redeemed", resource_type: "voucher", resource_id: voucher.voucherId, data: { voucher_id: voucher.voucherId, customer_id: state.customerId, reference: invoiceId } });
  }
  const sources: InvoiceSource[] = [];
  let due = totals.grandTotal;
  const drawGiftCards = async () => {
    for (const card of state.discounts) {
      if (card.kind !== "gift_card" || due === 0) continue;
      const plan = await planGiftCardDraw(db, storeId, { giftCardId: card.giftCardId, maxCents: due, currency: state.currency, reference: invoiceId });
      if (plan.result.amountCents === 0) continue;
      statements.push(...plan.statements);
      events.push(...(plan.events ?? []));
      sources.push({ kind: "gift_card", ref: card.giftCardId, ledgerEntryId: plan.result.ledgerEntryId, amountCents: plan.result.amountCents });
      due -= plan.result.amountCents;
    }
  };
  const drawCredit = async () => {
    if (!state.customerId || due === 0) return;
    const plan = await planCreditDraw(db, storeId, { customerId: state.customerId, currency: state.currency, maxCents: due, reference: invoiceId });
    statements.push(...plan.statements);
    events.push(...(plan.events ?? []));
    for (const part of plan.result.draws) sources.push({ kind: "credit", ref: part.creditId, ledgerEntryId: part.ledgerEntryId, amountCents: part.amountCents });
    due -= plan.result.total_cents;
  };
  if (order === "credit_first") {
    await drawCredit();
    await drawGiftCards();
  } else {
    await drawGiftCards();
    await drawCredit();
  }
  const method = state.paymentMethods.find((p) => p.id === state.selectedPaymentMethodId && !p.removed) ?? null;
  const now = nowIso();
  const giftCardCents = sources.filter((s) => s.kind === "gift_card").reduce((a, s) => a + s.amountCents, 0);
  const creditCents = sources.filter((s) => s.kind === "credit").reduce((a, s) => a + s.amountCents, 0);
  const discountTitle = [coupon?.kind === "coupon" ? coupon.code : null, voucher?.kind === "voucher" ? "loyalty voucher" : null].filter(Boolean).join(", ");
  const discountLabel = discountTitle ? `Discount (${discountTitle})` : null;
  const invoice: InvoiceRow = {
    id: invoiceId,
    storeId,
    checkoutId: record.id,
    cartId: state.id,
    customerId: state.customerId,
    orderId: null,
    email: state.email,
    currency: state.currency,
    state: "open",
    subtotalCents: totals.subtotal,
    discountCents: totals.discountTotal,
    taxCents: totals.tax,
    shippingCents: totals.shipping,
    totalCents: totals.grandTotal,
    giftCardCents,
    creditCents,
    paymentCents: due,
    refundedCents: 0,
    sources: JSON.stringify(sources),
    couponRedemptionId: redemptionId,
    couponCode: coupon && coupon.kind === "coupon" ? coupon.code : null,
    voucherId: voucher && voucher.kind === "voucher" ? voucher.voucherId : null,
    paymentMethod: method ? method.type : null,
    paymentBrand: method?.brand ?? null,
    paymentLast4: method?.last4 ?? null,
    paymentToken: method?.token ?? null,
    chargeId: null,
    paymentStatus: due === 0 ? "none" : "pending",
    failureMessage: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    collectedAt: null,
    failedAt: null,
  };
  const lines: InvoiceLineRow[] = [
    ...state.lines.map((l, i) => line(invoiceId, storeId, i, "item", l.productId, l.title, l.quantity, l.unitPriceCents, l.unitPriceCents * l.quantity)),
    ...(totals.discountTotal > 0 ? [line(invoiceId, storeId, state.lines.length, "discount", null, discountLabel ?? "Discount", 1, -totals.discountTotal, -totals.discountTotal)] : []),
    ...(totals.tax > 0 ? [line(invoiceId, storeId, state.lines.length + 1, "tax", null, "Tax", 1, totals.tax, totals.tax)] : []),
    ...(totals.shipping > 0 ? [line(invoiceId, storeId, state.lines.length + 2, "shipping", null, "Shipping", 1, totals.shipping, totals.shipping)] : []),
  ];
  // The lines as multi-row inserts (at most 100 parameters a statement): one statement
  // for a cart of up to 5 lines with its discount, tax and shipping lines, not one per line.
  statements.push(db.insert(invoices).values(invoice), ...chunkForParams(lines, INVOICE_LINE_PARAMS).map((chunk) => db.insert(invoiceLines).values(chunk)));
  events.push({ type: "invoice.created", resource_type: "invoice", resource_id: invoiceId, data: { invoice_id: invoiceId, cart_id: state.id, customer_id: state.customerId, total_cents: totals.grandTotal, currency: state.currency, state: "open" } });
  const bill: CheckoutBill = billOf(invoice, lines, discountLabel);
  return { statements, events, bill, cart: state };
}

function line(invoiceId: string, storeId: string, position: number, kind: InvoiceLineRow["kind"], productId: string | null, title: string, quantity: number, unit: number, amount: number): InvoiceLineRow {
  return { id: `${invoiceId.replace("inv_", "il_")}_${position}`, storeId, invoiceId, position, kind, productId, title, quantity, unitPriceCents: unit, amountCents: amount, refundedCents: 0, restockedQuantity: 0 };
}

/** What the later steps need, from the invoice (also how a resumed checkout recovers it after a crash). */
export function billOf(invoice: InvoiceRow, lines: InvoiceLineRow[], discountTitle?: string | null): CheckoutBill {
  return {
    invoiceId: invoice.id,
    currency: invoice.currency,
    customerId: invoice.customerId,
    subtotalCents: invoice.subtotalCents,
    discountCents: invoice.discountCents,
    discountTitle: discountTitle ?? lines.find((l) => l.kind === "discount")?.title ?? null,
    taxCents: invoice.taxCents,
    shippingCents: invoice.shippingCents,
    totalCents: invoice.totalCents,
    giftCardCents: invoice.giftCardCents,
    creditCents: invoice.creditCents,
    amountDueCents: invoice.paymentCents,
    items: lines.filter((l) => l.kind === "item").map((l) => ({ productId: l.productId!, title: l.title, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
    paymentMethod: invoice.paymentMethod === "test_card" && invoice.paymentToken ? { type: "test_card", token: invoice.paymentToken, brand: invoice.paymentBrand ?? "", last4: invoice.paymentLast4 ?? "" } : null,
  };
}

/**
 * A declined or failed payment, undone in one batch: the invoice turns `failed` only from `open`
 * (guarded first, so a second compensation aborts before changing anything), stock comes back, the
 * coupon use and every gift card and credit draw are reversed exactly.
 */
export async function planCompensation(db: Db, invoice: InvoiceRow, lines: InvoiceLineRow[], message: string) {
  const now = nowIso();
  const statements: Statements = [
    batchable(
      db.$client,
      db.run(sql`UPDATE invoices SET state = 'failed', payment_status = 'declined', failure_message = ${message}, failed_at = ${now}, updated_at = ${now}, version = version + 1
        WHERE id = ${invoice.id} AND state = 'open'`),
    ),
    changedOneRow(db),
  ];
  const events: EventDraft[] = [{ type: "invoice.failed", resource_type: "invoice", resource_id: invoice.id, data: { invoice_id: invoice.id, message } }];
  for (const l of lines.filter((x) => x.kind === "item")) {
    const change = stockChange(db, invoice.storeId, l.productId!, l.quantity, `payment_failed:${invoice.id}`);
    statements.push(...change.statements);
    events.push(...change.events);
  }
  const parts: Array<Write<unknown>> = [];
  if (invoice.couponRedemptionId) parts.push(await planCouponReversal(db, invoice.storeId, invoice.couponRedemptionId));
  if (invoice.voucherId) statements.push(...voucherRelease(db, invoice.storeId, invoice.voucherId, invoice.id));
  for (const source of JSON.parse(invoice.sources) as InvoiceSource[]) {
    if (source.kind === "gift_card") parts.push(await planGiftCardReversal(db, invoice.storeId, { ledgerEntryId: source.ledgerEntryId!, amountCents: source.amountCents, reference: `payment_failed:${invoice.id}` }));
    if (source.kind === "credit") parts.push(await planCreditReversal(db, invoice.storeId, { ledgerEntryId: source.ledgerEntryId!, amountCents: source.amountCents, reference: `payment_failed:${invoice.id}` }));
  }
  for (const part of parts) {
    statements.push(...part.statements);
    events.push(...(part.events ?? []));
  }
  return { statements, events };
}
