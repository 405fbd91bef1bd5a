import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { carts } from "../../db/schema";
import { batchable, changedOneRow, isBatchGuardFailure, isUniqueViolation } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { type BeginOutcome, type CartCaller, type CheckoutAnswer, type CheckoutBill, type CheckoutCharge, type CheckoutRecord, cartAccess, cartObject } from "../carts";
import { type EventDraft, type EventMessage, appendEventStatements, newEvent, publishEvents } from "../events";
import type { Write } from "../idempotency";
import { orderStream } from "../orders";
import { PaymentProviderError, testCardProvider } from "../payments";
import { billOf, planCompensation, planReservation, shortLines } from "./billing.plan";
import { type InvoiceLineRow, type InvoiceRow, invoiceLines, invoices } from "./billing.tables";

/** How long a second request for the same cart waits for the running checkout before answering 409. */
const WAIT_LIMIT_MS = 25_000;
const WAIT_STEP_MS = 50;

export type CheckoutStep = "reserve" | "charge" | "order";

/** Test hook: runs after a step's external effect and before its progress is recorded (a crash there). */
export interface CheckoutFaults {
  after?(step: CheckoutStep): void;
}

type Defer = (work: Promise<unknown>) => void;

async function commitBatch(db: Db, storeId: string, statements: Write<unknown>["statements"], drafts: EventDraft[]): Promise<EventMessage[]> {
  const events = drafts.map((draft) => newEvent(storeId, draft));
  await db.batch([...statements, ...appendEventStatements(db, events)] as unknown as Parameters<Db["batch"]>[0]);
  return events;
}

export async function loadInvoice(db: Db, invoiceId: string): Promise<{ invoice: InvoiceRow; lines: InvoiceLineRow[] } | null> {
  const [[invoice], lines] = await Promise.all([
    db.select().from(invoices).where(eq(invoices.id, invoiceId)).limit(1),
    db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoiceId)).orderBy(asc(invoiceLines.position)),
  ]);
  return invoice ? { invoice, lines } : null;
}

/**
 * `POST /v1/carts/{id}/checkout`, resumable at every step. The cart's object serializes checkouts
 * (one runner holds a lease; a concurrent request waits for its answer) and records progress:
 * `started` → D1 batch (stock, coupon, gift cards, credit, invoice `open`) → `reserved` → charge
 * (idempotency key = checkout id) → `charged` → invoice collected, order in the stream (keyed by the
 * checkout id), cart completed → `done`. Nothing external runs inside the object.
 */
export async function checkoutCart(
  db: Db,
  env: Bindings,
  caller: CartCaller,
  cartId: string,
  request: { key: string; requestHash: string },
  defer: Defer,
  faults: CheckoutFaults = {},
): Promise<CheckoutAnswer> {
  const cart = cartObject(env, cartId);
  const access = cartAccess(caller, cartId);
  const holder = newId("lease");
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let record: CheckoutRecord;
  let resumed = false;
  for (;;) {
    // The RPC stub's return type loses the union's discriminant; the object returns a BeginOutcome.
    const begun = (await cart.beginCheckout(access, { ...request, holder })) as unknown as BeginOutcome;
    if (begun.kind === "not_found") throw new ApiError("not_found", "No such cart");
    if (begun.kind === "mismatch") throw new ApiError("idempotency_key_reused", "This Idempotency-Key was used with a different request");
    if (begun.kind === "replay") return begun.answer;
    if (begun.kind === "run") {
      record = begun.record;
      resumed = begun.resumed;
      break;
    }
    if (Date.now() > deadline) throw new ApiError("conflict", "Another checkout of this cart is still running; retry", { headers: { "Retry-After": "1" } });
    await scheduler.wait(Math.max(WAIT_STEP_MS, Math.min(begun.retryMs, 200)));
  }
  try {
    return await run(db, env, cart, record, holder, resumed, defer, faults);
  } catch (error) {
    await cart.releaseCheckout(record.key, holder).catch(() => undefined);
    throw error;
  }
}

type CartStub = ReturnType<typeof cartObject>;

async function run(db: Db, env: Bindings, cart: CartStub, record: CheckoutRecord, holder: string, resumed: boolean, defer: Defer, faults: CheckoutFaults): Promise<CheckoutAnswer> {
  const storeId = record.cart.storeId;
  let bill = record.bill;
  if (record.step === "started") {
    bill = await reserve(db, env, cart, record, holder, resumed, defer);
    faults.after?.("reserve");
    if (!(await cart.advanceCheckout(record.key, holder, { step: "reserved", bill }))) throw lostLease();
    record = { ...record, step: "reserved", bill };
  }
  let charge = record.charge;
  if (record.step === "reserved") {
    charge = await chargeBill(db, storeId, record.id, bill!);
    faults.after?.("charge");
    if (!(await cart.advanceCheckout(record.key, holder, { step: "charged", charge }))) throw lostLease();
    record = { ...record, step: "charged", charge };
  }
  if (charge!.status === "declined") {
    await compensate(db, env.EVENTS, storeId, bill!.invoiceId, charge!.message ?? "The payment was declined", defer);
    const method = bill!.paymentMethod;
    const answer: CheckoutAnswer = {
      status: 422,
      code: "payment_declined",
      detail: charge!.message ?? "The payment was declined",
      extra: { reason: "payment", invoice_id: bill!.invoiceId, payment_method: method ? { type: method.type, brand: method.brand, last4: method.last4 } : null, provider_message: charge!.message },
    };
    await cart.finishCheckout(record.key, holder, answer, false);
    return answer;
  }
  const answer = await complete(db, env, record, bill!, charge!, defer, faults);
  await cart.finishCheckout(record.key, holder, answer, true);
  return answer;
}

const lostLease = () => new ApiError("conflict", "Another request took over this checkout; retry", { headers: { "Retry-After": "1" } });

/** The D1 batch; a retry after it applied (unique checkout id) recovers the bill from the invoice. */
async function reserve(db: Db, env: Bindings, cart: CartStub, record: CheckoutRecord, holder: string, resumed: boolean, defer: Defer): Promise<CheckoutBill> {
  const invoiceId = `inv_${record.id.slice("chk_".length)}`;
  // Only a resumed checkout can find its batch already applied (a crash after the batch).
  const existing = resumed ? await loadInvoice(db, invoiceId) : null;
  if (existing) return billOf(existing.invoice, existing.lines);
  let plan: Awaited<ReturnType<typeof planReservation>>;
  try {
    plan = await planReservation(db, env, record, invoiceId);
  } catch (error) {
    if (error instanceof ApiError) await cart.abandonCheckout(record.key, holder);
    throw error;
  }
  try {
    const events = await commitBatch(db, record.cart.storeId, plan.statements, plan.events);
    defer(publishEvents(env.EVENTS, events));
  } catch (error) {
    if (isUniqueViolation(error, "invoices.checkout_id")) {
      const applied = await loadInvoice(db, invoiceId);
      if (applied) return billOf(applied.invoice, applied.lines);
    }
    if (!isBatchGuardFailure(error)) throw error;
    await cart.abandonCheckout(record.key, holder);
    throw (await shortLines(db, plan.cart)) ?? new ApiError("conflict", "A gift card, store credit or the coupon changed during checkout; retry", { headers: { "Retry-After": "1" } });
  }
  return plan.bill;
}

async function chargeBill(db: Db, storeId: string, checkoutId: string, bill: CheckoutBill): Promise<CheckoutCharge> {
  if (bill.amountDueCents === 0) return { status: "none", chargeId: null, message: null };
  if (!bill.paymentMethod) return { status: "declined", chargeId: null, message: "No payment method" };
  try {
    const outcome = await testCardProvider(db).charge({ storeId, token: bill.paymentMethod.token, amountCents: bill.amountDueCents, currency: bill.currency, idempotencyKey: checkoutId });
    return outcome.status === "declined" ? { status: "declined", chargeId: outcome.chargeId, message: outcome.message } : { status: outcome.status, chargeId: outcome.chargeId, message: null };
  } catch (error) {
    if (error instanceof PaymentProviderError) return { status: "declined", chargeId: null, message: error.message };
    throw error;
  }
}

/** Undoes the reservation once (the invoice's `open` → `failed` guard); a second call finds it failed. */
export async function compensate(db: Db, events: Queue<EventMessage>, storeId: string, invoiceId: string, message: string, defer: Defer): Promise<boolean> {
  const loaded = await loadInvoice(db, invoiceId);
  if (!loaded || loaded.invoice.state !== "open") return false;
  const plan = await planCompensation(db, loaded.invoice, loaded.lines, message);
  try {
    defer(publishEvents(events, await commitBatch(db, storeId, plan.statements, plan.events)));
    return true;
  } catch (error) {
    if (!isBatchGuardFailure(error)) throw error;
    return false;
  }
}

/** Success: the invoice collected (or still open while the payment is pending) and the cart index completed in one batch, then the order, once. */
async function complete(db: Db, env: Bindings, record: CheckoutRecord, bill: CheckoutBill, charge: CheckoutCharge, defer: Defer, faults: CheckoutFaults): Promise<CheckoutAnswer> {
  const storeId = record.cart.storeId;
  const paid = charge.status === "succeeded" || charge.status === "none";
  const orderId = `ord_${record.id.slice("chk_".length)}`;
  const now = nowIso();
  const collected = sql`UPDATE invoices SET payment_status = ${charge.status === "none" ? "none" : charge.status}, charge_id = ${charge.chargeId}, order_id = ${orderId},
      state = ${paid ? "collected" : "open"}, collected_at = ${paid ? now : null}, updated_at = ${now}, version = version + 1
    WHERE id = ${bill.invoiceId} AND state = 'open' AND order_id IS NULL`;
  try {
    // The cart's index row: "replaced" too when its customer opened a newer cart during the checkout
    // (the object refuses to close a cart that is being checked out).
    const events = await commitBatch(
      db,
      storeId,
      [batchable(db.$client, db.run(collected)), changedOneRow(db), db.update(carts).set({ state: "completed", updatedAt: now }).where(and(eq(carts.id, record.cart.id), inArray(carts.state, ["open", "replaced"])))],
      paid
        ? [
            {
              type: "invoice.collected",
              resource_type: "invoice",
              resource_id: bill.invoiceId,
              data: { invoice_id: bill.invoiceId, customer_id: bill.customerId, currency: bill.currency, total_cents: bill.totalCents, discount_cents: bill.discountCents, tax_cents: bill.taxCents, shipping_cents: bill.shippingCents, gift_card_cents: bill.giftCardCents, credit_cents: bill.creditCents, payment_cents: bill.amountDueCents },
            },
          ]
        : [],
    );
    defer(publishEvents(env.EVENTS, events));
  } catch (error) {
    if (!isBatchGuardFailure(error)) throw error; // a resumed checkout: already recorded
  }
  const placed = await orderStream(env, storeId).placeCheckoutOrder({
    storeId,
    checkoutId: record.id,
    orderId,
    invoiceId: bill.invoiceId,
    cartId: record.cart.id,
    customerId: bill.customerId,
    currency: bill.currency,
    status: paid ? "closed" : "confirmed",
    items: bill.items,
    discountCents: bill.discountCents,
    discountTitle: bill.discountTitle,
    taxCents: bill.taxCents,
    shippingCents: bill.shippingCents,
  });
  if (!placed.ok) throw new Error(`The order stream refused a checkout order: ${placed.failure.code}`);
  faults.after?.("order");
  return {
    status: 200,
    body: { order_id: placed.order.id, invoice_id: bill.invoiceId, order_url: `/v1/orders/${placed.order.id}`, invoice_url: `/v1/invoices/${bill.invoiceId}`, payment_status: paid ? "paid" : "pending_payment" },
  };
}
