import type { AppEnv } from "../../context";
import { PageQuerySchema } from "../../shared/pagination";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { once } from "../idempotency";
import { codeCaller, takeCodeAttempt } from "../limits";
import { storeRoute } from "../stores";
import { validateCoupon } from "./coupons.redeem";
import {
  CouponCode,
  CouponCodeDetail,
  CouponCodePage,
  CouponListQuery,
  CouponRedemptionPage,
  CouponValidation,
  CreateCouponBody,
  ValidateCouponBody,
} from "./coupons.schemas";
import { createCoupon, getCoupon, listCoupons, listRedemptions, presentCoupon, voidCoupon } from "./coupons.service";

const tags = ["Coupon codes"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };

const createRoute = storeRoute({
  operationId: "createCouponCode",
  method: "post",
  path: "/v1/coupon-codes",
  tags,
  summary: "Create a coupon code",
  description:
    "Exactly one of `percent_off` (1-100, rounded down to the minor unit) and `amount_off_cents` (at most the subtotal). The same code as a live coupon of the store: 409 `duplicate` (a voided code may be reused).",
  idempotency: "optional",
  request: jsonRequest(CreateCouponBody),
  responses: { 201: { ...jsonContent(CouponCode, "The new coupon code"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
  errors: [409],
});

const listRoute = storeRoute({
  operationId: "listCouponCodes",
  method: "get",
  path: "/v1/coupon-codes",
  tags,
  summary: "List coupon codes",
  description: "Newest first; filters combine with AND.",
  request: { query: CouponListQuery },
  responses: { 200: jsonContent(CouponCodePage, "A page of coupon codes") },
});

const validateRoute = storeRoute({
  operationId: "validateCouponCode",
  method: "post",
  path: "/v1/coupon-codes/validate",
  tags,
  summary: "Check whether a code applies, and the discount it gives",
  description:
    "Every unusable code (unknown, expired, voided, exhausted, below its minimum, not for this customer) gets the same 422 `code_not_applicable`, byte for byte apart from the request id. Counted exactly per store and caller (credential and client address) together with gift card lookups: the 11th in a minute is 429 with `Retry-After`. Validation reserves nothing; redemption at checkout re-checks every limit atomically.",
  request: jsonRequest(ValidateCouponBody),
  responses: { 200: jsonContent(CouponValidation, "The code applies") },
  errors: [422, 429],
});

const getRoute = storeRoute({
  operationId: "getCouponCode",
  method: "get",
  path: "/v1/coupon-codes/{id}",
  tags,
  summary: "Retrieve a coupon code with its redemptions",
  description: "The rule, limits, how often it was redeemed, its state and the newest redemptions.",
  request: { params: idParam("cpn") },
  responses: { 200: { ...jsonContent(CouponCodeDetail, "The coupon code and its newest redemptions"), headers: ETagHeader } },
  errors: [404],
});

const redemptionsRoute = storeRoute({
  operationId: "listCouponRedemptions",
  method: "get",
  path: "/v1/coupon-codes/{id}/redemptions",
  tags,
  summary: "Page through a coupon code's redemptions",
  description: "Every use, with the customer, what it was for and the discount given; reversed ones carry `reversed_at`.",
  request: { params: idParam("cpn"), query: PageQuerySchema },
  responses: { 200: jsonContent(CouponRedemptionPage, "A page of redemptions, newest first") },
  errors: [404],
});

const voidRoute = storeRoute({
  operationId: "voidCouponCode",
  method: "post",
  path: "/v1/coupon-codes/{id}/void",
  tags,
  summary: "Void a coupon code",
  description: "The record and its redemptions stay; the code is never usable again and becomes free for a new coupon. Already voided: 409 `invalid_transition`.",
  idempotency: "optional",
  request: { params: idParam("cpn") },
  responses: { 200: { ...jsonContent(CouponCode, "The voided coupon code"), headers: ETagHeader } },
  errors: [404, 409],
});

export const couponsRouter = createRouter<AppEnv>()
  .openapi(createRoute, async (c) => {
    const { store } = c.var.principal;
    const body = c.req.valid("json");
    return once(c, { storeId: store.id }, () => createCoupon(c.var.db, store.id, store.currency, body), (row) =>
      c.json(presentCoupon(row), 201, { ETag: etag(row.version), Location: `/v1/coupon-codes/${row.id}` }),
    );
  })
  .openapi(listRoute, async (c) => c.json(await listCoupons(c.var.db, c.env, c.var.principal.storeId, c.req.valid("query")), 200))
  .openapi(validateRoute, async (c) => {
    const { store, credentialId } = c.var.principal;
    await takeCodeAttempt(c.env, store.id, codeCaller(credentialId, c.req.header("CF-Connecting-IP")));
    const body = c.req.valid("json");
    const use = { subtotalCents: body.subtotal_cents, currency: body.currency ?? store.currency, customerId: body.customer_id };
    return c.json(await validateCoupon(c.var.db, c.env, store.id, body.code, use), 200);
  })
  .openapi(getRoute, async (c) => {
    const coupon = await getCoupon(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json(coupon, 200, { ETag: etag(coupon.version) });
  })
  .openapi(redemptionsRoute, async (c) =>
    c.json(await listRedemptions(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(voidRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const { id } = c.req.valid("param");
    return once(c, { storeId }, () => voidCoupon(c.var.db, storeId, id), (row) => c.json(presentCoupon(row), 200, { ETag: etag(row.version) }));
  });
