import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { assertCustomerMayOpenCart, addCustomerAddress } from "../customers";
import { commit } from "../idempotency";
import { TEST_CARDS, isTestCardToken } from "../payments";
import { cartRoute, openCartRoute } from "./carts.auth";
import { cartObject } from "./carts.object";
import { presentCart } from "./carts.present";
import { Cart, CartAddressBody, CartPaymentMethodBody, CreateCartBody, CreatedCart, PatchCartBody } from "./carts.schemas";
import { accessibleCart, cartAccess, openCart, readCart, storeCartSettings, unwrap } from "./carts.service";

const tags = ["Carts"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };
const CartParams = idParam("cart");
const AddressParams = idParam("cart").extend(idParam("cad", "address_id").shape);
const PaymentMethodParams = idParam("cart").extend(idParam("cpm", "payment_method_id").shape);

const createCartRoute = openCartRoute({
  operationId: "createCart",
  method: "post",
  path: "/v1/carts",
  tags,
  summary: "Open a cart",
  description:
    "With an API key: for `customer_id` (their previous open cart is replaced), or anonymous. With a customer session: the customer's own cart. With no credential: an anonymous cart of `store_id`. An anonymous cart answers its `cart_token` (`ct_...`, shown once) for storefront calls. A store that requires confirmed emails refuses an unconfirmed customer (403 `customer_not_confirmed`).",
  secret: true,
  request: jsonRequest(CreateCartBody),
  responses: { 201: { ...jsonContent(CreatedCart, "The new cart"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
  errors: [403, 422],
});

const getCartRoute = cartRoute({
  operationId: "getCart",
  method: "get",
  path: "/v1/carts/{id}",
  tags,
  summary: "Retrieve a cart: everything a storefront shows, and why it cannot check out yet",
  description:
    "Items with the catalog's current price and stock (re-read from the catalog at most every 5 s), discounts with their amounts, tax, shipping, totals, addresses and payment methods with the selected ones, `is_complete` and `incomplete_reasons` in this order: `no_items`, `email_required` (anonymous carts), `no_delivery_address`, `no_payment_method`, then `out_of_stock` / `no_longer_sold` per item. Carts do not reserve stock; checkout does. `If-None-Match` with the current version answers 304.",
  request: { params: CartParams },
  responses: { 200: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

const patchCartRoute = cartRoute({
  operationId: "updateCart",
  method: "patch",
  path: "/v1/carts/{id}",
  tags,
  summary: "Change the email or the selected address or payment method",
  description: "Nothing else is writable here (400 for other fields). Requires `If-Match`.",
  ifMatch: true,
  request: { params: CartParams, ...jsonRequest(PatchCartBody) },
  responses: { 200: { ...jsonContent(Cart, "The updated cart"), headers: ETagHeader } },
});

const addAddressRoute = cartRoute({
  operationId: "addCartAddress",
  method: "post",
  path: "/v1/carts/{id}/addresses",
  tags,
  summary: "Add a delivery address (it becomes the selected one)",
  description: "A signed-in customer's cart also saves it to the customer's addresses.",
  request: { params: CartParams, ...jsonRequest(CartAddressBody) },
  responses: { 201: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

const removeAddressRoute = cartRoute({
  operationId: "removeCartAddress",
  method: "delete",
  path: "/v1/carts/{id}/addresses/{address_id}",
  tags,
  summary: "Remove a delivery address (deselects it; kept for history)",
  description: "The cart then asks for a delivery address again (`no_delivery_address`).",
  request: { params: AddressParams },
  responses: { 200: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

const addPaymentMethodRoute = cartRoute({
  operationId: "addCartPaymentMethod",
  method: "post",
  path: "/v1/carts/{id}/payment-methods",
  tags,
  summary: "Add a payment method (it becomes the selected one)",
  description: "A `test_card` token (README lists them); only brand and last four are ever shown.",
  request: { params: CartParams, ...jsonRequest(CartPaymentMethodBody) },
  responses: { 201: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

const removePaymentMethodRoute = cartRoute({
  operationId: "removeCartPaymentMethod",
  method: "delete",
  path: "/v1/carts/{id}/payment-methods/{payment_method_id}",
  tags,
  summary: "Remove a payment method (deselects it; kept for history)",
  description: "The cart then asks for a payment method again (`no_payment_method`).",
  request: { params: PaymentMethodParams },
  responses: { 200: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

export const cartsRouter = createRouter<AppEnv>()
  .openapi(createCartRoute, async (c) => {
    const caller = c.var.cartCaller;
    const body = c.req.valid("json");
    if (caller.kind === "token") throw new ApiError("forbidden", "A cart token cannot open carts");
    if (body.customer_id !== undefined && caller.kind !== "store") throw new ApiError("validation_failed", "Only API keys open carts for a customer", { errors: [{ path: "customer_id", message: "Not allowed here" }] });
    if (body.store_id !== undefined && caller.kind !== "anonymous") throw new ApiError("validation_failed", "The store comes from the credential", { errors: [{ path: "store_id", message: "Only for anonymous carts" }] });
    const storeId = caller.kind === "anonymous" ? body.store_id : caller.storeId;
    if (!storeId) throw new ApiError("validation_failed", "Anonymous carts name their store", { errors: [{ path: "store_id", message: "Required without a credential" }] });
    const store = await storeCartSettings(c.var.db, storeId);
    if (!store) throw new ApiError("not_found", "No such store");
    const customerId = caller.kind === "customer" ? caller.customerId : (body.customer_id ?? null);
    if (customerId) {
      await assertCustomerMayOpenCart(c.var.db, storeId, customerId).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === "email_not_confirmed") throw new ApiError("customer_not_confirmed", error.message);
        throw error;
      });
    }
    const { state, token } = await openCart(c.var.db, c.env, { storeId, customerId, email: body.email ?? null, currency: store.currency, settings: store.settings });
    return c.json({ ...presentCart(state), cart_token: token }, 201, { ETag: etag(state.version), Location: `/v1/carts/${state.id}` });
  })
  .openapi(getCartRoute, async (c) => {
    const state = await readCart(c.var.db, c.env, c.var.cartCaller, c.req.valid("param").id);
    return c.json(presentCart(state), 200, { ETag: etag(state.version) });
  })
  .openapi(patchCartRoute, async (c) => {
    const { id } = c.req.valid("param");
    const state = unwrap(await cartObject(c.env, id).patch(cartAccess(c.var.cartCaller, id), c.req.valid("json"), c.var.expectedVersion));
    return c.json(presentCart(state), 200, { ETag: etag(state.version) });
  })
  .openapi(addAddressRoute, async (c) => {
    const { id } = c.req.valid("param");
    const cart = await accessibleCart(c.env, c.var.cartCaller, id);
    const body = c.req.valid("json");
    const address = {
      name: body.name ?? null,
      company: body.company ?? null,
      line1: body.line1,
      line2: body.line2 ?? null,
      city: body.city,
      state: body.state ?? null,
      postal_code: body.postal_code ?? null,
      country: body.country,
      phone: body.phone ?? null,
    };
    const state = unwrap(await cartObject(c.env, id).addAddress(cartAccess(c.var.cartCaller, id), address));
    if (cart.customerId) await commit(c.var.db, addCustomerAddress(c.var.db, cart.storeId, cart.customerId, body), { storeId: cart.storeId, events: c.env.EVENTS });
    return c.json(presentCart(state), 201, { ETag: etag(state.version) });
  })
  .openapi(removeAddressRoute, async (c) => {
    const { id, address_id } = c.req.valid("param");
    const state = unwrap(await cartObject(c.env, id).removeAddress(cartAccess(c.var.cartCaller, id), address_id));
    return c.json(presentCart(state), 200, { ETag: etag(state.version) });
  })
  .openapi(addPaymentMethodRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { token } = c.req.valid("json");
    if (!isTestCardToken(token)) throw new ApiError("validation_failed", "Unknown test_card token", { errors: [{ path: "token", message: "Not a test_card token" }] });
    const card = TEST_CARDS[token];
    const state = unwrap(await cartObject(c.env, id).addPaymentMethod(cartAccess(c.var.cartCaller, id), { type: "test_card", token, brand: card.brand, last4: card.last4 }));
    return c.json(presentCart(state), 201, { ETag: etag(state.version) });
  })
  .openapi(removePaymentMethodRoute, async (c) => {
    const { id, payment_method_id } = c.req.valid("param");
    const state = unwrap(await cartObject(c.env, id).removePaymentMethod(cartAccess(c.var.cartCaller, id), payment_method_id));
    return c.json(presentCart(state), 200, { ETag: etag(state.version) });
  });
