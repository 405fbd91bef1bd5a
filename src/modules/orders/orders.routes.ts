import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { parsedBody } from "../../shared/http";
import { ApiError } from "../../shared/errors";
import { canonicalJson, parseIdempotencyKey, requestFingerprint } from "../../shared/idempotency-key";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { decodeCursor, toPage } from "../../shared/pagination";
import { etag, staleVersion } from "../../shared/versioning";
import { type StoreEnv, storeRoute } from "../stores";
import { checkOrderInput } from "./orders.checks";
import {
  CancelOrderBody,
  CreateOrderBody,
  ListCustomerOrdersQuery,
  ListOrdersQuery,
  Order,
  OrderCount,
  OrderFiltersQuery,
  type OrderFilters,
  OrderPage,
  TransitionBody,
  UpdateOrderBody,
} from "./orders.schemas";
import type { CommandResult, IdempotencyClaim, OrderAction, OrderRuleFailure } from "./orders.service";
import { orderStream } from "./orders.stream";

const tags = ["Orders"];

const orderHeaders = { ETag: RESPONSE_HEADERS.etag, "Idempotent-Replayed": RESPONSE_HEADERS.replayed };
type VersionedStoreEnv = StoreEnv & { Variables: { expectedVersion: number } };

const OrderId = idParam("ord");
const CustomerIdParam = idParam("cus");

function orderResponse(description: string) {
  return { ...jsonContent(Order, description), headers: orderHeaders };
}

function failure(failure: OrderRuleFailure): ApiError {
  if (failure.code === "stale_version") return staleVersion(failure.currentVersion ?? 0);
  return new ApiError(failure.code, failure.detail, { errors: failure.errors });
}

/**
 * Calls the store's order stream. An object that is restarting or overloaded is a 503 the client can
 * retry (safely, with the same Idempotency-Key); anything else is a bug and stays a 500.
 */
async function stream<T>(call: () => T): Promise<Awaited<T>> {
  try {
    return await call();
  } catch (error) {
    const flags = error as { retryable?: boolean; overloaded?: boolean };
    if (flags?.retryable || flags?.overloaded) {
      throw new ApiError("service_unavailable", "The order stream is briefly unavailable; retry the request", {
        headers: { "Retry-After": "1" },
      });
    }
    throw error;
  }
}

function succeeded(result: CommandResult) {
  if (!result.ok) throw failure(result.failure);
  const headers: Record<string, string> = { ETag: etag(result.order.version) };
  if (result.status === 201) headers.Location = `/v1/orders/${result.order.id}`;
  if (result.replayed) headers["Idempotent-Replayed"] = "true";
  return { order: result.order, headers };
}

async function idempotencyClaim(c: Pick<Context<StoreEnv>, "req" | "var">, route: string, required: boolean): Promise<IdempotencyClaim | null> {
  const key = parseIdempotencyKey(c.req.header("Idempotency-Key"), required);
  if (key === null) return null;
  const body = await parsedBody(c);
  // Scoped by store (the object) + method + route; credentialId only serves objects of the previous version during a rollout.
  return {
    credentialId: c.var.principal.credentialId,
    method: c.req.method,
    route,
    key,
    requestHash: await requestFingerprint(c.req.method, c.req.path, body),
  };
}

function assertOrderId(id: string) {
  if (!id.startsWith("ord_")) throw new ApiError("not_found", "Order not found");
}

async function listPage(c: Context<StoreEnv>, filters: OrderFilters, limit: number, cursor: string | undefined) {
  const storeId = c.var.principal.storeId;
  const secret = c.env;
  // The cursor is bound to the store and the exact filters it was issued for.
  const scope = `orders:${storeId}:${canonicalJson(filters)}`;
  const after = cursor ? ((await decodeCursor(secret, scope, cursor, ["string", "string"])) as [string, string]) : null;
  const rows = await stream(() => orderStream(c.env, storeId).listOrders({ filters, after, limit: limit + 1 }));
  return toPage(rows, limit, secret, scope, (order) => [order.created_at, order.id], (order) => order);
}

const createOrderRoute = storeRoute({
  operationId: "createOrder",
  method: "post",
  path: "/v1/orders",
  tags,
  summary: "Create a draft order",
  description:
    "Creates a draft. A line naming a catalog product is priced from the catalog (title and unit price snapshot taken server-side); a custom line (no `product_id`) carries its own title and price. `Idempotency-Key` is required: a repeat with the same body replays the first response with `Idempotent-Replayed: true`, another body is 422 `idempotency_key_reused`. Writes `order.created`.",
  idempotency: "required",
  request: jsonRequest(CreateOrderBody),
  responses: {
    201: {
      ...orderResponse("The new draft (or the replayed first response)"),
      headers: { ...orderHeaders, Location: RESPONSE_HEADERS.location },
    },
  },
});

const listOrdersRoute = storeRoute({
  operationId: "listOrders",
  method: "get",
  path: "/v1/orders",
  tags,
  summary: "List orders",
  description: "Newest first (`created_at` then `id`, descending), keyset-paginated, read from the store's order stream (strongly consistent). Time ranges include `*_after` and exclude `*_before`.",
  request: { query: ListOrdersQuery },
  responses: { 200: jsonContent(OrderPage, "A page of orders") },
});

const countOrdersRoute = storeRoute({
  operationId: "countOrders",
  method: "get",
  path: "/v1/orders/count",
  tags,
  summary: "Count orders",
  description: "Takes the same filters as the list.",
  request: { query: OrderFiltersQuery },
  responses: { 200: jsonContent(OrderCount, "How many orders match") },
});

const getOrderRoute = storeRoute({
  operationId: "getOrder",
  method: "get",
  path: "/v1/orders/{id}",
  tags,
  summary: "Retrieve an order",
  description: "Read from the store's order stream (strongly consistent); `ETag` carries the version for `If-Match`.",
  request: { params: OrderId },
  responses: { 200: orderResponse("The order") },
  errors: [404],
});

const updateOrderRoute = storeRoute({
  operationId: "updateOrder",
  method: "patch",
  path: "/v1/orders/{id}",
  tags,
  summary: "Edit a draft order",
  description:
    "Only drafts can be edited (409 `order_not_editable`). `lines` replaces every line and recomputes the totals; `metadata` is merged. Requires `If-Match`. Writes `order.updated`.",
  ifMatch: true,
  request: { params: OrderId, ...jsonRequest(UpdateOrderBody) },
  responses: { 200: orderResponse("The edited draft") },
  errors: [404, 409],
});

const ACTION_DOCS: Record<OrderAction, { summary: string; description: string }> = {
  confirm: { summary: "Confirm a draft", description: "draft → confirmed; the total is fixed from here on; needs at least one line (422 `order_empty`). Writes `order.confirmed`." },
  close: { summary: "Close (pay) a confirmed order", description: "confirmed → closed; closed means paid. Writes `order.closed`." },
  ship: { summary: "Ship a closed order", description: "closed → shipped. Writes `order.shipped`." },
  deliver: { summary: "Mark a shipped order delivered", description: "shipped → delivered. Writes `order.delivered`." },
  cancel: { summary: "Cancel an order", description: "draft, confirmed or closed → canceled. Writes `order.canceled`." },
};

function transitionRoute<A extends OrderAction, B extends typeof TransitionBody | typeof CancelOrderBody>(action: A, body: B) {
  return storeRoute({
    operationId: `${action}Order` as `${A}Order`,
    method: "post",
    path: `/v1/orders/{id}/${action}` as `/v1/orders/{id}/${A}`,
    tags,
    summary: ACTION_DOCS[action].summary,
    description: `${ACTION_DOCS[action].description} Requires \`If-Match\`; an illegal move is 409 \`invalid_transition\`. An optional \`Idempotency-Key\` makes a retry replay the first success.`,
    ifMatch: true,
    idempotency: "optional",
    request: {
      params: OrderId,
      body: { required: false, content: { "application/json": { schema: body } } },
    },
    responses: { 200: orderResponse("The order after the transition") },
    errors: [404, 409, 422],
  });
}

const confirmRoute = transitionRoute("confirm", TransitionBody);
const closeRoute = transitionRoute("close", TransitionBody);
const shipRoute = transitionRoute("ship", TransitionBody);
const deliverRoute = transitionRoute("deliver", TransitionBody);
const cancelRoute = transitionRoute("cancel", CancelOrderBody);

const customerOrdersRoute = storeRoute({
  operationId: "listCustomerOrders",
  method: "get",
  path: "/v1/customers/{id}/orders",
  tags: ["Orders", "Customers"],
  summary: "List a customer's orders",
  description: "The order list filtered by customer; same ordering, filters and pagination.",
  request: { params: CustomerIdParam, query: ListCustomerOrdersQuery },
  responses: { 200: jsonContent(OrderPage, "A page of the customer's orders") },
  errors: [404],
});

async function runTransition(
  c: Context<VersionedStoreEnv>,
  action: OrderAction,
  id: string,
  cancellationReason?: z.infer<typeof CancelOrderBody>["cancellation_reason"],
) {
  assertOrderId(id);
  const expectedVersion = c.var.expectedVersion;
  const idempotency = await idempotencyClaim(c, `/v1/orders/{id}/${action}`, false);
  const storeId = c.var.principal.storeId;
  const result = await stream(() =>
    orderStream(c.env, storeId).transitionOrder({ storeId, orderId: id, action, expectedVersion, idempotency, cancellationReason }),
  );
  return succeeded(result);
}

export const ordersRouter = createRouter<AppEnv>()
  .openapi(createOrderRoute, async (c) => {
    const body = c.req.valid("json");
    const idempotency = (await idempotencyClaim(c, "/v1/orders", true))!;
    const { storeId, store } = c.var.principal;
    // The store's per-line maximum (the same one carts enforce; the settings may be up to 10 s old here).
    const tooMany = body.lines.flatMap((line, i) => (line.quantity > store.maxItemQuantity ? [{ path: `lines[${i}].quantity`, message: `At most ${store.maxItemQuantity} per line in this store` }] : []));
    if (tooMany.length > 0) throw new ApiError("validation_failed", "A line's quantity is over the store's maximum", { errors: tooMany });
    const { lines, refusal } = await checkOrderInput(c.var.db, storeId, body);
    const object = orderStream(c.env, storeId);
    // A refusal still goes to the stream: a stored success for this key replays instead.
    const result = await stream(() =>
      refusal
        ? object.refuseOrder({ storeId, idempotency, refusal })
        : object.createOrder({ storeId, idempotency, input: { ...body, lines: lines ?? [] }, defaultCurrency: store.currency }),
    );
    const { order, headers } = succeeded(result);
    return c.json(order, 201, headers);
  })
  .openapi(listOrdersRoute, async (c) => {
    const { limit, cursor, ...filters } = c.req.valid("query");
    return c.json(await listPage(c, filters, limit, cursor), 200);
  })
  .openapi(countOrdersRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const count = await stream(() => orderStream(c.env, storeId).countOrders(c.req.valid("query")));
    return c.json({ count }, 200);
  })
  .openapi(getOrderRoute, async (c) => {
    const { id } = c.req.valid("param");
    assertOrderId(id);
    const order = await stream(() => orderStream(c.env, c.var.principal.storeId).getOrder(id));
    if (!order) throw new ApiError("not_found", "Order not found");
    return c.json(order, 200, { ETag: etag(order.version) });
  })
  .openapi(updateOrderRoute, async (c) => {
    const { id } = c.req.valid("param");
    assertOrderId(id);
    const expectedVersion = c.var.expectedVersion;
    const body = c.req.valid("json");
    const storeId = c.var.principal.storeId;
    const { lines, refusal } = await checkOrderInput(c.var.db, storeId, body);
    if (refusal) throw failure(refusal);
    const patch = { ...body, lines };
    const result = await stream(() => orderStream(c.env, storeId).updateOrder({ storeId, orderId: id, expectedVersion, patch }));
    const { order, headers } = succeeded(result);
    return c.json(order, 200, headers);
  })
  .openapi(confirmRoute, async (c) => {
    const { order, headers } = await runTransition(c, "confirm", c.req.valid("param").id);
    return c.json(order, 200, headers);
  })
  .openapi(closeRoute, async (c) => {
    const { order, headers } = await runTransition(c, "close", c.req.valid("param").id);
    return c.json(order, 200, headers);
  })
  .openapi(shipRoute, async (c) => {
    const { order, headers } = await runTransition(c, "ship", c.req.valid("param").id);
    return c.json(order, 200, headers);
  })
  .openapi(deliverRoute, async (c) => {
    const { order, headers } = await runTransition(c, "deliver", c.req.valid("param").id);
    return c.json(order, 200, headers);
  })
  .openapi(cancelRoute, async (c) => {
    const body = c.req.valid("json");
    const { order, headers } = await runTransition(c, "cancel", c.req.valid("param").id, body.cancellation_reason);
    return c.json(order, 200, headers);
  })
  .openapi(customerOrdersRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!/^cus_[0-9A-Za-z]{1,60}$/.test(id)) throw new ApiError("not_found", "Customer not found");
    const { limit, cursor, ...filters } = c.req.valid("query");
    return c.json(await listPage(c, { ...filters, customer_id: id }, limit, cursor), 200);
  });
