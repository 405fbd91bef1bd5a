import type { AppEnv } from "../../context";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { findCouponByCode, notApplicable, validateCoupon } from "../coupons";
import { findSpendableByCode } from "../giftcards";
import { codeCaller, takeCodeAttempt } from "../limits";
import { findVoucherByCode, voucherState } from "../loyalty";
import { cartRoute } from "./carts.auth";
import { cartObject } from "./carts.object";
import { presentCart } from "./carts.present";
import { AddItemsBody, Cart, CartDiscountBody, UpdateItemBody } from "./carts.schemas";
import { accessibleCart, cartAccess, productSnapshotsForAdd, unwrap } from "./carts.service";
import { cartTotals } from "./carts.state";

const tags = ["Carts"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };
const CartParams = idParam("cart");
const ItemParams = idParam("cart").extend(idParam("cli", "item_id").shape);
const DiscountParams = idParam("cart").extend(idParam("cdi", "discount_id").shape);

const addItemsRoute = cartRoute({
  operationId: "addCartItems",
  method: "post",
  path: "/v1/carts/{id}/items",
  tags,
  summary: "Add one item or a batch",
  description:
    "Prices, titles and stock come from the catalog, never from the client. A product already in the cart raises its quantity (up to the store's `max_item_quantity`). A batch is all or nothing: one invalid entry adds nothing and is named in `errors`. Stock is checked on every read, not reserved (checkout reserves it). Each add records `cart.item_added`.",
  request: { params: CartParams, ...jsonRequest(AddItemsBody) },
  responses: { 201: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

const updateItemRoute = cartRoute({
  operationId: "updateCartItem",
  method: "patch",
  path: "/v1/carts/{id}/items/{item_id}",
  tags,
  summary: "Change an item's quantity",
  description: "1 to the store's `max_item_quantity`, integers only.",
  request: { params: ItemParams, ...jsonRequest(UpdateItemBody) },
  responses: { 200: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

const removeItemRoute = cartRoute({
  operationId: "removeCartItem",
  method: "delete",
  path: "/v1/carts/{id}/items/{item_id}",
  tags,
  summary: "Remove an item",
  description: "Removing an item that is not in the cart is 404.",
  request: { params: ItemParams },
  responses: { 200: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

const addDiscountRoute = cartRoute({
  operationId: "addCartDiscount",
  method: "post",
  path: "/v1/carts/{id}/discounts",
  tags,
  summary: "Apply a coupon code or a gift card code",
  description:
    "A client never sends an amount: every discount is a server-side code. A coupon takes its discount off the subtotal (one per cart); a loyalty voucher too (one per cart, its customer's cart only, redeemed by checkout); a gift card reduces the amount due (up to 5). Every unusable code gets the same 422 `code_not_applicable`; attempts count toward the store's 10-a-minute code limit per caller (429).",
  request: { params: CartParams, ...jsonRequest(CartDiscountBody) },
  responses: { 201: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
  errors: [409, 422, 429],
});

const removeDiscountRoute = cartRoute({
  operationId: "removeCartDiscount",
  method: "delete",
  path: "/v1/carts/{id}/discounts/{discount_id}",
  tags,
  summary: "Remove a discount",
  description: "Nothing is redeemed until checkout, so removing a code gives nothing back.",
  request: { params: DiscountParams },
  responses: { 200: { ...jsonContent(Cart, "The cart"), headers: ETagHeader } },
});

export const cartItemsRouter = createRouter<AppEnv>()
  .openapi(addItemsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const caller = c.var.cartCaller;
    const access = cartAccess(caller, id);
    const body = c.req.valid("json");
    const items = body.items ?? [{ product_id: body.product_id!, quantity: body.quantity! }];
    // One D1 read and one RPC: the object checks the caller and that the products are its store's.
    const products = await productSnapshotsForAdd(c.var.db, caller.kind === "token" || caller.kind === "anonymous" ? null : caller.storeId, items.map((i) => i.product_id));
    const state = unwrap(await cartObject(c.env, id).addItems(access, items.map((item, i) => ({ product: products[i]!, quantity: item.quantity }))));
    return c.json(presentCart(state), 201, { ETag: etag(state.version) });
  })
  .openapi(updateItemRoute, async (c) => {
    const { id, item_id } = c.req.valid("param");
    const state = unwrap(await cartObject(c.env, id).setQuantity(cartAccess(c.var.cartCaller, id), item_id, c.req.valid("json").quantity));
    return c.json(presentCart(state), 200, { ETag: etag(state.version) });
  })
  .openapi(removeItemRoute, async (c) => {
    const { id, item_id } = c.req.valid("param");
    const state = unwrap(await cartObject(c.env, id).removeLine(cartAccess(c.var.cartCaller, id), item_id));
    return c.json(presentCart(state), 200, { ETag: etag(state.version) });
  })
  .openapi(addDiscountRoute, async (c) => {
    const { id } = c.req.valid("param");
    const cart = await accessibleCart(c.env, c.var.cartCaller, id);
    const caller = c.var.cartCaller;
    await takeCodeAttempt(c.env, cart.storeId, codeCaller(caller.kind === "store" ? caller.credentialId : `cart:${id}`, c.req.header("CF-Connecting-IP")));
    const { code } = c.req.valid("json");
    const coupon = await findCouponByCode(c.var.db, cart.storeId, code);
    let state;
    let voucher;
    if (coupon) {
      const use = { subtotalCents: cartTotals(cart).subtotal, currency: cart.currency, customerId: cart.customerId ?? undefined };
      await validateCoupon(c.var.db, c.env, cart.storeId, code, use);
      state = unwrap(
        await cartObject(c.env, id).addDiscount(cartAccess(caller, id), { kind: "coupon", couponId: coupon.id, code: coupon.code, percentOff: coupon.percentOff, amountOffCents: coupon.amountOffCents, minSubtotalCents: coupon.minSubtotalCents }),
      );
    } else if (/^[0-9A-Fa-f-\s]{16,24}$/.test(code) && (voucher = await findVoucherByCode(c.var.db, cart.storeId, code))) {
      // A loyalty voucher: only on its customer's cart, available, and (an amount off) in the cart's currency.
      if (voucher.customerId !== cart.customerId || voucherState(voucher) !== "available" || (voucher.currency !== null && voucher.currency !== cart.currency)) throw notApplicable();
      state = unwrap(await cartObject(c.env, id).addDiscount(cartAccess(caller, id), { kind: "voucher", voucherId: voucher.id, code: voucher.code, percentOff: voucher.percentOff, amountOffCents: voucher.amountOffCents }));
    } else {
      const card = await findSpendableByCode(c.var.db, cart.storeId, code);
      if (!card || card.currency !== cart.currency) throw notApplicable();
      state = unwrap(await cartObject(c.env, id).addDiscount(cartAccess(caller, id), { kind: "gift_card", giftCardId: card.id, last4: card.last4, balanceCents: card.balanceCents }));
    }
    return c.json(presentCart(state), 201, { ETag: etag(state.version) });
  })
  .openapi(removeDiscountRoute, async (c) => {
    const { id, discount_id } = c.req.valid("param");
    const state = unwrap(await cartObject(c.env, id).removeDiscount(cartAccess(c.var.cartCaller, id), discount_id));
    return c.json(presentCart(state), 200, { ETag: etag(state.version) });
  });

