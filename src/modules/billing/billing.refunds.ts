import { and, asc, eq, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { batchable, changedOneRow, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import { issueCredit, planCreditReversal } from "../credits";
import type { EventDraft } from "../events";
import { planGiftCardReversal } from "../giftcards";
import type { Write } from "../idempotency";
import { changeInventory } from "../products";
import { testCardProvider } from "../payments";
import { followOrder, getInvoice, invoiceNotFound, presentRefund } from "./billing.service";
import { type InvoiceLineRow, type InvoiceRow, type InvoiceSource, type RefundRow, invoiceLines, refunds } from "./billing.tables";

export interface RefundRequest {
  amount_cents?: number | undefined;
  lines?: Array<{ line_id: string; amount_cents?: number | undefined; restock_quantity?: number | undefined }> | undefined;
  destination?: "original" | "store_credit" | undefined;
  restock?: boolean | undefined;
  reason?: string | undefined;
}

const tooLarge = (left: number) => new ApiError("refund_too_large", `At most ${left} is left to refund`, { extra: { refundable_cents: left } });

/** What a line may still give back: its amount net of its share of the discount, minus refunds so far. */
function lineRefundable(line: InvoiceLineRow, invoice: InvoiceRow): number {
  const share = line.kind === "item" && invoice.subtotalCents > 0 ? Math.floor((invoice.discountCents * line.amountCents) / invoice.subtotalCents) : 0;
  return Math.max(0, line.amountCents - share - line.refundedCents);
}

/**
 * Plans a refund as one batch: the invoice's `refunded_cents` grows only while it stays within the
 * collected total (guarded, so concurrent refunds can never exceed it), each refunded line within
 * what it may give back, stock comes back for restocked item lines, and the amount goes back to the
 * sources in the reverse of the order they paid (the provider's part first, then the stored value
 * drawn last) or, for `store_credit`, becomes one credit grant. The provider's refund runs after the
 * commit (keyed by the refund id), so a retry completes it and never refunds twice.
 */
export async function planRefund(db: Db, storeId: string, invoiceId: string, request: RefundRequest): Promise<Write<RefundRow>> {
  const invoice = await getInvoice(db, storeId, invoiceId);
  if (invoice.state !== "collected" && invoice.state !== "partially_refunded") {
    if (invoice.state === "refunded") throw new ApiError("already_refunded", "The invoice is already fully refunded");
    throw new ApiError("invalid_transition", `A ${invoice.state} invoice cannot be refunded; only collected ones`);
  }
  const left = invoice.totalCents - invoice.refundedCents;
  const lines = await db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(asc(invoiceLines.position));
  const byId = new Map(lines.map((l) => [l.id, l]));
  const refundLines: Array<{ line_id: string; amount_cents: number; restock_quantity: number }> = [];
  let amount: number;
  if (request.lines) {
    const errors: Array<{ path: string; message: string }> = [];
    request.lines.forEach((entry, i) => {
      const line = byId.get(entry.line_id);
      if (!line || line.kind === "discount") return errors.push({ path: `lines[${i}].line_id`, message: "No refundable line with this id on the invoice" });
      const max = lineRefundable(line, invoice);
      const value = entry.amount_cents ?? max;
      if (value < 1 || value > max) return errors.push({ path: `lines[${i}].amount_cents`, message: `At most ${max} is left to refund on this line` });
      const restock = line.kind === "item" ? (entry.restock_quantity ?? (request.restock ? line.quantity - line.restockedQuantity : 0)) : 0;
      if (restock > line.quantity - line.restockedQuantity) return errors.push({ path: `lines[${i}].restock_quantity`, message: `At most ${line.quantity - line.restockedQuantity} can be restocked` });
      refundLines.push({ line_id: line.id, amount_cents: value, restock_quantity: restock });
    });
    if (errors.length > 0) throw new ApiError("validation_failed", "Some refund lines are invalid", { errors });
    amount = refundLines.reduce((sum, l) => sum + l.amount_cents, 0);
  } else {
    amount = request.amount_cents ?? left;
    if (request.amount_cents === undefined && left === 0) throw new ApiError("already_refunded", "The invoice is already fully refunded");
    if (request.restock) {
      for (const line of lines) if (line.kind === "item" && line.quantity > line.restockedQuantity) refundLines.push({ line_id: line.id, amount_cents: 0, restock_quantity: line.quantity - line.restockedQuantity });
    }
  }
  if (amount > left) throw tooLarge(left);
  const destination = request.destination ?? "original";
  if (destination === "store_credit" && !invoice.customerId) throw new ApiError("validation_failed", "Only a customer's invoice can be refunded as store credit", { errors: [{ path: "destination", message: "The invoice has no customer" }] });

  const refundId = newId("rf");
  const now = nowIso();
  const reference = `refund:${refundId}`;
  const statements: Write<unknown>["statements"] = [
    batchable(
      db.$client,
      db.run(sql`UPDATE invoices SET refunded_cents = refunded_cents + ${amount},
          state = CASE WHEN refunded_cents + ${amount} = total_cents THEN 'refunded' ELSE 'partially_refunded' END,
          updated_at = ${now}, version = version + 1
        WHERE id = ${invoice.id} AND store_id = ${storeId} AND state IN ('collected', 'partially_refunded') AND refunded_cents + ${amount} <= total_cents`),
    ),
    changedOneRow(db),
  ];
  const events: EventDraft[] = [];
  for (const entry of refundLines) {
    const line = byId.get(entry.line_id)!;
    statements.push(
      batchable(
        db.$client,
        db.run(sql`UPDATE invoice_lines SET refunded_cents = refunded_cents + ${entry.amount_cents}, restocked_quantity = restocked_quantity + ${entry.restock_quantity}
          WHERE id = ${line.id} AND restocked_quantity + ${entry.restock_quantity} <= quantity`),
      ),
      changedOneRow(db),
    );
    if (entry.restock_quantity > 0 && line.productId) {
      const change = changeInventory(db, storeId, line.productId, { adjust: entry.restock_quantity }, reference);
      statements.push(...change.statements);
      events.push(...(change.events ?? []));
    }
  }

  const given: InvoiceSource[] = [];
  const row: RefundRow = {
    id: refundId,
    storeId,
    invoiceId: invoice.id,
    amountCents: amount,
    destination,
    paymentCents: 0,
    giftCardCents: 0,
    creditCents: 0,
    storeCreditCents: 0,
    lines: JSON.stringify(refundLines),
    sources: "[]",
    reason: request.reason ?? null,
    status: "succeeded",
    providerRefundId: null,
    failureMessage: null,
    createdAt: now,
    updatedAt: now,
  };
  if (destination === "store_credit") {
    const grant = await issueCredit(db, storeId, invoice.customerId!, { amount_cents: amount, currency: invoice.currency, reason: `Refund of ${invoice.id}` });
    statements.push(...grant.statements);
    events.push(...(grant.events ?? []));
    row.storeCreditCents = amount;
  } else {
    const earlier = await db.select({ sources: refunds.sources }).from(refunds).where(eq(refunds.invoiceId, invoice.id));
    const returned = new Map<string, number>();
    for (const r of earlier) for (const s of JSON.parse(r.sources) as InvoiceSource[]) returned.set(`${s.kind}:${s.ledgerEntryId ?? s.ref}`, (returned.get(`${s.kind}:${s.ledgerEntryId ?? s.ref}`) ?? 0) + s.amountCents);
    const drawn: InvoiceSource[] = [
      ...(invoice.paymentCents > 0 && invoice.chargeId ? [{ kind: "payment" as const, ref: invoice.chargeId, ledgerEntryId: null, amountCents: invoice.paymentCents }] : []),
      ...(JSON.parse(invoice.sources) as InvoiceSource[]).reverse(),
    ];
    let rest = amount;
    for (const source of drawn) {
      if (rest === 0) break;
      const part = Math.min(rest, source.amountCents - (returned.get(`${source.kind}:${source.ledgerEntryId ?? source.ref}`) ?? 0));
      if (part <= 0) continue;
      rest -= part;
      given.push({ ...source, amountCents: part });
      if (source.kind === "payment") row.paymentCents += part;
      if (source.kind === "gift_card") {
        const back = await planGiftCardReversal(db, storeId, { ledgerEntryId: source.ledgerEntryId!, amountCents: part, reference });
        statements.push(...back.statements);
        events.push(...(back.events ?? []));
        row.giftCardCents += part;
      }
      if (source.kind === "credit") {
        const back = await planCreditReversal(db, storeId, { ledgerEntryId: source.ledgerEntryId!, amountCents: part, reference });
        statements.push(...back.statements);
        events.push(...(back.events ?? []));
        row.creditCents += part;
      }
    }
    if (rest > 0) throw tooLarge(amount - rest);
    row.sources = JSON.stringify(given);
    if (row.paymentCents > 0) row.status = "pending";
  }
  statements.push(db.insert(refunds).values(row));
  events.push({ type: "refund.created", resource_type: "invoice", resource_id: invoice.id, data: { refund_id: refundId, invoice_id: invoice.id, amount_cents: amount, currency: invoice.currency, destination, payment_cents: row.paymentCents, gift_card_cents: row.giftCardCents, credit_cents: row.creditCents, store_credit_cents: row.storeCreditCents } });
  return {
    statements,
    events,
    result: row,
    refused: async (error) => {
      if (!isBatchGuardFailure(error)) return undefined;
      const current = await getInvoice(db, storeId, invoiceId);
      const nowLeft = current.totalCents - current.refundedCents;
      if (nowLeft === 0) return new ApiError("already_refunded", "The invoice is already fully refunded");
      if (amount > nowLeft) return tooLarge(nowLeft);
      return new ApiError("conflict", "The invoice changed during the refund; retry", { headers: { "Retry-After": "1" } });
    },
  };
}

/**
 * After the commit (first time or a replay): the provider refunds the payment part, keyed by the
 * refund id, and the refund turns `succeeded` (or `failed` with the provider's message). A refund of
 * every item line cancels a not-yet-shipped order.
 */
export async function finishRefund(db: Db, env: Bindings, storeId: string, refundId: string): Promise<RefundRow> {
  let row = await getRefund(db, storeId, refundId);
  if (row.status === "pending") {
    const invoice = await getInvoice(db, storeId, row.invoiceId);
    const outcome = await testCardProvider(db).refund({ storeId, chargeId: invoice.chargeId!, amountCents: row.paymentCents, idempotencyKey: row.id });
    const [updated] = await db
      .update(refunds)
      .set(outcome.status === "refunded" ? { status: "succeeded", providerRefundId: outcome.refundId, updatedAt: nowIso() } : { status: "failed", failureMessage: outcome.message, updatedAt: nowIso() })
      .where(and(eq(refunds.id, row.id), eq(refunds.status, "pending")))
      .returning();
    row = updated ?? (await getRefund(db, storeId, refundId));
  }
  const invoice = await getInvoice(db, storeId, row.invoiceId);
  const lines = await db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id));
  const items = lines.filter((l) => l.kind === "item");
  if (invoice.state === "refunded" || (items.length > 0 && items.every((l) => lineRefundable(l, invoice) === 0))) await followOrder(env, invoice, "cancel", "customer");
  return row;
}

export async function getRefund(db: Db, storeId: string, id: string): Promise<RefundRow> {
  const [row] = await db.select().from(refunds).where(and(eq(refunds.id, id), eq(refunds.storeId, storeId))).limit(1);
  if (!row) throw new ApiError("not_found", "No such refund in this store");
  return row;
}

export async function listRefunds(db: Db, secret: SecretSource, storeId: string, invoiceId: string, page: { limit: number; cursor?: string | undefined }) {
  await getInvoice(db, storeId, invoiceId).catch(() => {
    throw invoiceNotFound();
  });
  const keyset = await paginate(secret, `refunds:${storeId}:${invoiceId}`, page, refunds);
  const rows = await db.select().from(refunds).where(and(eq(refunds.invoiceId, invoiceId), eq(refunds.storeId, storeId), keyset.where)).orderBy(...keyset.orderBy).limit(keyset.limit);
  return keyset.page(rows, presentRefund);
}
