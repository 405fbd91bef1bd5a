import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { createRouter, idParam, jsonContent, jsonRequest, publicRoute } from "../../shared/openapi";
import { PageQuerySchema } from "../../shared/pagination";
import { storeRoute } from "../stores";
import { getDiscount } from "./campaigns.discounts";
import { type TokenState, inspectToken, listFans, registerFan, verifyFan } from "./campaigns.fans";
import { presentCoupon, presentFan } from "./campaigns.present";
import { getCoupon, listCoupons, retryCoupon } from "./campaigns.realize";
import { Coupon, CouponListQuery, CouponPage, Fan, FanPage, PendingVerification, RegisterFanBody, VerifiedFan } from "./campaigns.schemas";

const tags = ["Fans and coupons"];
const discountParams = idParam("brand").merge(idParam("disc", "discount_id"));

const registerRoute = storeRoute({
  operationId: "registerFan",
  method: "post",
  path: "/v1/brands/{id}/discounts/{discount_id}/fans",
  tags,
  summary: "Register a fan for a discount",
  description:
    "One registration per mailbox and discount (lowercase; a `+tag` and Gmail's dots do not make another mailbox): a repeat answers the existing registration with 200. Without `verify_email` the fan gets a code at once and its coupon is queued for realization; with it, the fan is `pending_verification` and a link valid 7 days is emailed. 422 when the discount is inactive, not started, expired or full (`reason`).",
  request: { params: discountParams, ...jsonRequest(RegisterFanBody) },
  responses: { 201: jsonContent(Fan, "The new registration"), 200: jsonContent(Fan, "The existing registration of this mailbox") },
  errors: [404, 422],
});

const listFansRoute = storeRoute({
  operationId: "listFans",
  method: "get",
  path: "/v1/brands/{id}/discounts/{discount_id}/fans",
  tags,
  summary: "List a discount's fans",
  description: "Newest first, each with its code and the code's realization status.",
  request: { params: discountParams, query: PageQuerySchema },
  responses: { 200: jsonContent(FanPage, "A page of fans") },
  errors: [404],
});

const listCouponsRoute = storeRoute({
  operationId: "listCampaignCoupons",
  method: "get",
  path: "/v1/brands/{id}/discounts/{discount_id}/coupons",
  tags,
  summary: "List a discount's issued coupons",
  description: "Newest first; filter by realization `status`.",
  request: { params: discountParams, query: CouponListQuery },
  responses: { 200: jsonContent(CouponPage, "A page of coupons") },
  errors: [404],
});

const getCouponRoute = storeRoute({
  operationId: "getCampaignCoupon",
  method: "get",
  path: "/v1/coupons/{id}",
  tags,
  summary: "Retrieve an issued coupon",
  description: "Its code and realization: attempts, last error and status, next attempt.",
  request: { params: idParam("fcp") },
  responses: { 200: jsonContent(Coupon, "The coupon") },
  errors: [404],
});

const retryRoute = storeRoute({
  operationId: "retryCampaignCoupon",
  method: "post",
  path: "/v1/coupons/{id}/retry",
  tags,
  summary: "Realize a failed coupon again",
  description: "Only a `failed` coupon (409 `invalid_transition` otherwise): it becomes `pending` and is queued; the realizer sees the same `webhook-id`.",
  request: { params: idParam("fcp") },
  responses: { 202: jsonContent(Coupon, "The coupon, queued") },
  errors: [404, 409],
});

const HtmlPage = (description: string) => ({ description, content: { "text/html": { schema: z.string() }, "application/json": { schema: z.unknown() } } });
const tokenParams = z.object({ token: z.string().max(200).openapi({ param: { name: "token", in: "path" }, example: "fvt_Vb7Xn2Qe9Lr4Ty1Ui8Op3As6Df0Gh5J" }) });

const verifyPageRoute = publicRoute({
  operationId: "showFanVerificationPage",
  method: "get",
  path: "/v1/fans/verify/{token}",
  tags,
  summary: "The verification link in a fan's email: a page with a confirm button",
  description:
    "For people, and the only public route of campaigns. It changes nothing (mail scanners and link previews open links by themselves); its button POSTs to the same address. With `Accept: application/json`: the pending registration, or a problem.",
  request: { params: tokenParams },
  responses: { 200: HtmlPage("The confirm button (or `PendingVerification` as JSON)"), 400: HtmlPage("Invalid or expired link"), 409: HtmlPage("Already verified") },
});

const verifyRoute = publicRoute({
  operationId: "verifyFan",
  method: "post",
  path: "/v1/fans/verify/{token}",
  tags,
  summary: "Verify a fan (the button on the link's page)",
  description:
    "Verifies once and issues the fan's code, queued for realization; the same token again, even concurrently, realizes nothing more (409). Answers HTML, or JSON with `Accept: application/json`.",
  request: { params: tokenParams },
  responses: { 200: HtmlPage("Verified, with the code (or `VerifiedFan` as JSON)"), 400: HtmlPage("Invalid or expired link"), 409: HtmlPage("Already verified"), 422: HtmlPage("The discount stopped issuing codes") },
});

const PAGE_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "X-Frame-Options": "DENY",
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code{font-size:1.4rem;letter-spacing:.1em}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const wantsJson = (c: Context) => /application\/(problem\+)?json/.test(c.req.header("Accept") ?? "");

/** A refusal as a page for people, or as problem+json for programs. */
function refuse(c: Context<AppEnv>, error: ApiError) {
  if (wantsJson(c)) throw error; // the app's error handler answers problem+json
  const text =
    error.code === "conflict"
      ? page("Already confirmed", "<p>This email address was already confirmed. Your code is on its way.</p>")
      : error.code === "invalid_token"
        ? page("This link does not work", "<p>It is invalid or has expired. Register again to get a new one.</p>")
        : page("No code to give", `<p>${escapeHtml(error.message)}</p>`);
  return c.html(text, error.status as 400, PAGE_HEADERS);
}

function stateError(state: TokenState): ApiError | null {
  if (state.kind === "invalid") return new ApiError("invalid_token", "This verification link is invalid or has expired");
  if (state.kind === "used") return new ApiError("conflict", "This email was already verified; the code is on its way", { extra: { reason: "already_verified" } });
  return null;
}

export const fansRouter = createRouter<AppEnv>()
  .openapi(registerRoute, async (c) => {
    const { id, discount_id } = c.req.valid("param");
    const storeId = c.var.principal.storeId;
    const { fan, created, coupon, code } = await registerFan(c.var.db, c.env, storeId, id, discount_id, c.req.valid("json"), (work) => c.executionCtx.waitUntil(work.catch(() => undefined)));
    const body = await presentFan(c.env, fan, coupon, code);
    return created ? c.json(body, 201) : c.json(body, 200);
  })
  .openapi(listFansRoute, async (c) => {
    const { id, discount_id } = c.req.valid("param");
    return c.json(await listFans(c.var.db, c.env, c.var.principal.storeId, id, discount_id, c.req.valid("query")), 200);
  })
  .openapi(listCouponsRoute, async (c) => {
    const { id, discount_id } = c.req.valid("param");
    const storeId = c.var.principal.storeId;
    await getDiscount(c.var.db, storeId, id, discount_id);
    return c.json(await listCoupons(c.var.db, c.env, storeId, discount_id, c.req.valid("query")), 200);
  })
  .openapi(getCouponRoute, async (c) => c.json(await presentCoupon(c.env, await getCoupon(c.var.db, c.var.principal.storeId, c.req.valid("param").id)), 200))
  .openapi(retryRoute, async (c) => c.json(await presentCoupon(c.env, await retryCoupon(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id)), 202))
  .openapi(verifyPageRoute, async (c) => {
    const state = await inspectToken(c.var.db, c.req.valid("param").token);
    const error = stateError(state);
    if (error) return refuse(c, error);
    if (state.kind !== "pending") throw new Error("unreachable");
    if (wantsJson(c)) {
      const body: z.infer<typeof PendingVerification> = { status: "pending_verification", brand_name: state.brandName, discount_name: state.discount.name, expires_at: state.fan.tokenExpiresAt ?? "" };
      return c.json(body, 200, { "Cache-Control": "no-store" });
    }
    const html = page(
      `Confirm your email for ${state.brandName}`,
      `<p>Press the button to confirm your email address and get your code for “${escapeHtml(state.discount.name)}”.</p><form method="post"><button type="submit">Confirm my email address</button></form>`,
    );
    return c.html(html, 200, PAGE_HEADERS);
  })
  .openapi(verifyRoute, async (c) => {
    let verified: Awaited<ReturnType<typeof verifyFan>>;
    try {
      verified = await verifyFan(c.var.db, c.env, c.req.valid("param").token);
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) return refuse(c, error);
      throw error;
    }
    if (wantsJson(c)) {
      const body: z.infer<typeof VerifiedFan> = { fan_id: verified.fanId, status: "verified", coupon: { id: verified.couponId, code: verified.code, status: "pending" } };
      return c.json(body, 200, { "Cache-Control": "no-store" });
    }
    return c.html(page("Email confirmed", `<p>Thank you! Your code:</p><p><code>${escapeHtml(verified.code)}</code></p><p>It is also being registered with the shop.</p>`), 200, PAGE_HEADERS);
  });
