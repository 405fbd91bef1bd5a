import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { parsedBody } from "../../shared/http";
import { parseIdempotencyKey, requestFingerprint } from "../../shared/idempotency-key";
import { createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { type CartEnv, cartRoute } from "../carts";
import { requireLiveCustomer } from "../credits";
import { storeRoute } from "../stores";
import { checkoutCart } from "./billing.checkout";
import { CreateRefundBody, Refund, RefundPage, CheckoutResult, CustomerInvoiceQuery, FailInvoiceBody, Invoice, InvoiceDetail, InvoiceListQuery, InvoicePage } from "./billing.schemas";
import { collectInvoice, failInvoice, invoiceDetail, listInvoices, presentInvoice, presentRefund } from "./billing.service";
import { finishRefund, getRefund, listRefunds, planRefund } from "./billing.refunds";
import { once } from "../idempotency";
import { PageQuerySchema } from "../../shared/pagination";

const tags = ["Checkout and invoices"];

const checkoutRoute = cartRoute({
  operationId: "checkoutCart",
  method: "post",
  path: "/v1/carts/{id}/checkout",
  tags: ["Carts"],
  summary: "Check out the cart: one invoice, at most one charge, one order",
  description:
    "Re-reads the cart and the catalog (422 `checkout_incomplete` with the cart's reasons, or `out_of_stock` with the lines, before anything is written); then one D1 batch takes the stock, redeems the coupon, draws gift cards and store credit in the store's `stored_value_order` and writes the invoice; then the provider charges what is left (nothing when gift cards and credit cover it); then the order is created and the cart completed. A decline gives everything back and answers 422 `payment_declined` (`reason: payment`, the method, the provider's message); the cart stays open. The cart's object serializes checkouts: a concurrent request (any key) waits for the running one; a retry after a failure resumes where it stopped and never repeats a completed step, and so does a request with a new key (the cart is frozen, so it is the same checkout): it finishes the stalled one and both keys replay its answer.",
  idempotency: "required",
  request: { params: idParam("cart") },
  responses: { 200: jsonContent(CheckoutResult, "The order and the invoice") },
  errors: [409, 422],
});

const listRoute = storeRoute({ operationId: "listInvoices", method: "get", path: "/v1/invoices", tags, summary: "List invoices", description: "Newest first; filters combine.", request: { query: InvoiceListQuery }, responses: { 200: jsonContent(InvoicePage, "A page of invoices") } });

const getRoute = storeRoute({
  operationId: "getInvoice",
  method: "get",
  path: "/v1/invoices/{id}",
  tags,
  summary: "Retrieve an invoice",
  description: "With its lines, what paid it (gift cards, credit, payment) and its refunds.",
  request: { params: idParam("inv") },
  responses: { 200: jsonContent(InvoiceDetail, "The invoice") },
  errors: [404],
});

const collectRoute = storeRoute({
  operationId: "collectInvoice",
  method: "post",
  path: "/v1/invoices/{id}/collect",
  tags,
  summary: "Mark an open invoice collected (a manual payment arrived)",
  description: "Only from `open` (409 `invoice_not_open`); its order, awaiting payment, is closed (paid).",
  request: { params: idParam("inv") },
  responses: { 200: jsonContent(Invoice, "The invoice") },
  errors: [404, 409],
});

const failRoute = storeRoute({
  operationId: "failInvoice",
  method: "post",
  path: "/v1/invoices/{id}/fail",
  tags,
  summary: "Mark an open invoice failed (a manual payment never came)",
  description: "Only from `open` (409 `invoice_not_open`): stock, the coupon use, gift card and credit draws are given back exactly, and its order is canceled.",
  request: { params: idParam("inv"), ...jsonRequest(FailInvoiceBody) },
  responses: { 200: jsonContent(Invoice, "The invoice") },
  errors: [404, 409],
});

const customerInvoicesRoute = storeRoute({
  operationId: "listCustomerInvoices",
  method: "get",
  path: "/v1/customers/{id}/invoices",
  tags,
  summary: "A customer's invoices",
  description: "Newest first.",
  request: { params: idParam("cus"), query: CustomerInvoiceQuery },
  responses: { 200: jsonContent(InvoicePage, "A page of invoices") },
  errors: [404],
});

const refundRoute = storeRoute({
  operationId: "refundInvoice",
  method: "post",
  path: "/v1/invoices/{id}/refunds",
  tags,
  summary: "Refund (part of) a collected invoice",
  description:
    "Full (no amount, no lines), per line (`line_id` and an optional amount; an item line gives back at most its amount net of its share of the discount), or a free `amount_cents`. Back to the original sources in the reverse of the order they paid (the card through the provider, then store credit and gift cards back to those balances), or all as `store_credit`. `restock` puts refunded item lines back in stock. Several partial refunds are allowed; together they never exceed what was collected, even concurrently (422 `refund_too_large`); a full refund of a fully refunded invoice is 409 `already_refunded`. Refunding every item line of an order not yet shipped cancels it.",
  idempotency: "required",
  request: { params: idParam("inv"), ...jsonRequest(CreateRefundBody) },
  responses: { 201: jsonContent(Refund, "The refund") },
  errors: [404, 409, 422],
});

const listRefundsRoute = storeRoute({
  operationId: "listInvoiceRefunds",
  method: "get",
  path: "/v1/invoices/{id}/refunds",
  tags,
  summary: "An invoice's refunds",
  description: "Newest first.",
  request: { params: idParam("inv"), query: PageQuerySchema },
  responses: { 200: jsonContent(RefundPage, "A page of refunds") },
  errors: [404],
});

const getRefundRoute = storeRoute({ operationId: "getRefund", method: "get", path: "/v1/refunds/{id}", tags, summary: "Retrieve a refund", description: "Where it went and whether the provider refunded the card part.", request: { params: idParam("rf") }, responses: { 200: jsonContent(Refund, "The refund") }, errors: [404] });

export const billingRouter = createRouter<AppEnv>()
  .openapi(checkoutRoute, async (c) => {
    const cc = c as unknown as import("hono").Context<CartEnv>;
    const key = parseIdempotencyKey(c.req.header("Idempotency-Key"), true)!;
    const requestHash = await requestFingerprint(c.req.method, c.req.path, await parsedBody(c));
    const answer = await checkoutCart(c.var.db, c.env, cc.var.cartCaller, c.req.valid("param").id, { key, requestHash }, (work) => c.executionCtx.waitUntil(work.catch(() => undefined)));
    if (answer.status === 200) return c.json(answer.body, 200);
    throw new ApiError(answer.code, answer.detail, { extra: answer.extra });
  })
  .openapi(listRoute, async (c) => c.json(await listInvoices(c.var.db, c.env, c.var.principal.storeId, c.req.valid("query")), 200))
  .openapi(getRoute, async (c) => c.json(await invoiceDetail(c.var.db, c.var.principal.storeId, c.req.valid("param").id), 200))
  .openapi(collectRoute, async (c) => c.json(presentInvoice(await collectInvoice(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, (w) => c.executionCtx.waitUntil(w.catch(() => undefined)))), 200))
  .openapi(failRoute, async (c) => {
    const message = c.req.valid("json").message ?? "The payment did not arrive";
    return c.json(presentInvoice(await failInvoice(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, message, (w) => c.executionCtx.waitUntil(w.catch(() => undefined)))), 200);
  })
  .openapi(refundRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const invoiceId = c.req.valid("param").id;
    const body = c.req.valid("json");
    return once(
      c,
      { storeId, required: true },
      () => planRefund(c.var.db, storeId, invoiceId, body),
      async (row) => c.json(presentRefund(await finishRefund(c.var.db, c.env, storeId, row.id)), 201),
    );
  })
  .openapi(listRefundsRoute, async (c) => c.json(await listRefunds(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, c.req.valid("query")), 200))
  .openapi(getRefundRoute, async (c) => c.json(presentRefund(await getRefund(c.var.db, c.var.principal.storeId, c.req.valid("param").id)), 200))
  .openapi(customerInvoicesRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const customerId = c.req.valid("param").id;
    await requireLiveCustomer(c.var.db, storeId, customerId);
    return c.json(await listInvoices(c.var.db, c.env, storeId, { ...c.req.valid("query"), customer_id: customerId }), 200);
  });
