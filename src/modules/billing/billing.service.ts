import { type SQL, and, asc, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import { type EventMessage, appendEventStatements, newEvent, publishEvents } from "../events";
import { orderStream } from "../orders";
import { compensate } from "./billing.checkout";
import { type InvoiceLineRow, type InvoiceRow, type RefundRow, invoiceLines, invoices, refunds } from "./billing.tables";

/** What `invoice.collected` carries: enough for the sales rollups without reading the invoice. */
export function collectedEventData(invoice: Pick<InvoiceRow, "id" | "customerId" | "currency" | "totalCents" | "discountCents" | "taxCents" | "shippingCents" | "giftCardCents" | "creditCents" | "paymentCents">, extra: Record<string, unknown> = {}) {
  return {
    invoice_id: invoice.id,
    customer_id: invoice.customerId,
    currency: invoice.currency,
    total_cents: invoice.totalCents,
    discount_cents: invoice.discountCents,
    tax_cents: invoice.taxCents,
    shipping_cents: invoice.shippingCents,
    gift_card_cents: invoice.giftCardCents,
    credit_cents: invoice.creditCents,
    payment_cents: invoice.paymentCents,
    ...extra,
  };
}

export const invoiceNotFound = () => new ApiError("not_found", "No such invoice in this store");

export function presentInvoice(row: InvoiceRow) {
  return {
    id: row.id,
    state: row.state,
    customer_id: row.customerId,
    cart_id: row.cartId,
    order_id: row.orderId,
    email: row.email,
    currency: row.currency,
    subtotal_cents: row.subtotalCents,
    discount_cents: row.discountCents,
    tax_cents: row.taxCents,
    shipping_cents: row.shippingCents,
    total_cents: row.totalCents,
    paid_by: { gift_card_cents: row.giftCardCents, credit_cents: row.creditCents, payment_cents: row.paymentCents },
    refunded_cents: row.refundedCents,
    coupon_code: row.couponCode,
    payment: { method: row.paymentMethod, brand: row.paymentBrand, last4: row.paymentLast4, status: row.paymentStatus, charge_id: row.chargeId, failure_message: row.failureMessage },
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    collected_at: row.collectedAt,
    failed_at: row.failedAt,
  };
}

export function presentLine(row: InvoiceLineRow) {
  return {
    id: row.id,
    kind: row.kind,
    product_id: row.productId,
    title: row.title,
    quantity: row.quantity,
    unit_price_cents: row.unitPriceCents,
    amount_cents: row.amountCents,
    refunded_cents: row.refundedCents,
    restocked_quantity: row.restockedQuantity,
  };
}

export function presentRefund(row: RefundRow) {
  return {
    id: row.id,
    invoice_id: row.invoiceId,
    amount_cents: row.amountCents,
    destination: row.destination,
    to: { payment_cents: row.paymentCents, gift_card_cents: row.giftCardCents, credit_cents: row.creditCents, store_credit_cents: row.storeCreditCents },
    lines: JSON.parse(row.lines) as Array<{ line_id: string; amount_cents: number; restock_quantity: number }>,
    reason: row.reason,
    status: row.status,
    failure_message: row.failureMessage,
    created_at: row.createdAt,
  };
}

export async function getInvoice(db: Db, storeId: string, id: string): Promise<InvoiceRow> {
  const [row] = await db.select().from(invoices).where(and(eq(invoices.id, id), eq(invoices.storeId, storeId))).limit(1);
  if (!row) throw invoiceNotFound();
  return row;
}

export async function invoiceDetail(db: Db, storeId: string, id: string) {
  const [[row], lines, refundRows] = await Promise.all([
    db.select().from(invoices).where(and(eq(invoices.id, id), eq(invoices.storeId, storeId))).limit(1),
    db.select().from(invoiceLines).where(and(eq(invoiceLines.invoiceId, id), eq(invoiceLines.storeId, storeId))).orderBy(asc(invoiceLines.position)),
    db.select().from(refunds).where(and(eq(refunds.invoiceId, id), eq(refunds.storeId, storeId))).orderBy(desc(refunds.createdAt), desc(refunds.id)).limit(100),
  ]);
  if (!row) throw invoiceNotFound();
  return { ...presentInvoice(row), lines: lines.map(presentLine), refunds: refundRows.map(presentRefund) };
}

export async function listInvoices(
  db: Db,
  secret: SecretSource,
  storeId: string,
  query: { limit: number; cursor?: string | undefined; state?: InvoiceRow["state"] | undefined; customer_id?: string | undefined; created_after?: string | undefined; created_before?: string | undefined },
) {
  const scope = `invoices:${storeId}:${query.state ?? ""}:${query.customer_id ?? ""}:${query.created_after ?? ""}:${query.created_before ?? ""}`;
  const keyset = await paginate(secret, scope, query, invoices);
  const conditions: Array<SQL | undefined> = [eq(invoices.storeId, storeId), keyset.where];
  if (query.state) conditions.push(eq(invoices.state, query.state));
  if (query.customer_id) conditions.push(eq(invoices.customerId, query.customer_id));
  if (query.created_after) conditions.push(gte(invoices.createdAt, query.created_after));
  if (query.created_before) conditions.push(lt(invoices.createdAt, query.created_before));
  const rows = await db.select().from(invoices).where(and(...conditions)).orderBy(...keyset.orderBy).limit(keyset.limit);
  return keyset.page(rows, presentInvoice);
}

async function commitEvents(db: Db, storeId: string, statements: Parameters<Db["batch"]>[0][number][], drafts: Parameters<typeof newEvent>[1][], events: Queue<EventMessage>, defer: (p: Promise<unknown>) => void) {
  const messages = drafts.map((d) => newEvent(storeId, d));
  await db.batch([...statements, ...appendEventStatements(db, messages)] as unknown as Parameters<Db["batch"]>[0]);
  defer(publishEvents(events, messages));
}

/**
 * A manual payment collected (bank transfer, cash): only from `open`, else 409 `invoice_not_open`.
 * The order follows: a `confirmed` (awaiting payment) order is closed (paid).
 */
export async function collectInvoice(db: Db, env: Bindings, storeId: string, id: string, defer: (p: Promise<unknown>) => void) {
  const before = await getInvoice(db, storeId, id);
  const now = nowIso();
  try {
    await commitEvents(
      db,
      storeId,
      [
        batchable(db.$client, db.run(sql`UPDATE invoices SET state = 'collected', collected_at = ${now}, updated_at = ${now}, version = version + 1 WHERE id = ${id} AND store_id = ${storeId} AND state = 'open'`)),
        changedOneRow(db),
      ],
      [{ type: "invoice.collected", resource_type: "invoice", resource_id: id, data: collectedEventData(before, { manual: true }) }],
      env.EVENTS,
      defer,
    );
  } catch (error) {
    if (!isBatchGuardFailure(error)) throw error;
    await getInvoice(db, storeId, id);
    throw new ApiError("invoice_not_open", "Only an open invoice can be collected");
  }
  const invoice = await getInvoice(db, storeId, id);
  await followOrder(env, invoice, "close");
  return invoice;
}

/** A manual payment that failed: everything the checkout took is given back, and the order is canceled. */
export async function failInvoice(db: Db, env: Bindings, storeId: string, id: string, message: string, defer: (p: Promise<unknown>) => void) {
  const invoice = await getInvoice(db, storeId, id);
  if (invoice.state !== "open" || !(await compensate(db, env.EVENTS, storeId, id, message, defer))) throw new ApiError("invoice_not_open", "Only an open invoice can be failed");
  const failed = await getInvoice(db, storeId, id);
  await followOrder(env, failed, "cancel");
  return failed;
}

/** Moves the invoice's order along: `close` (paid) from confirmed, `cancel` (declined) from confirmed or closed. Idempotent. */
export async function followOrder(env: Pick<Bindings, "ORDER_STREAM">, invoice: Pick<InvoiceRow, "storeId" | "orderId">, action: "close" | "cancel", reason: "declined" | "customer" = "declined") {
  if (!invoice.orderId) return;
  const stream = orderStream(env, invoice.storeId);
  for (let attempt = 0; attempt < 3; attempt++) {
    const order = await stream.getOrder(invoice.orderId);
    if (!order) return;
    if (action === "close" && order.status !== "confirmed") return;
    if (action === "cancel" && !["confirmed", "closed"].includes(order.status)) return;
    const result = await stream.transitionOrder({ storeId: invoice.storeId, orderId: order.id, action, expectedVersion: order.version, idempotency: null, ...(action === "cancel" ? { cancellationReason: reason } : {}) });
    if (result.ok || result.failure.code !== "stale_version") return;
  }
}
