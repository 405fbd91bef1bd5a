import type { AppEnv } from "../../context";
import { createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { customerRoute } from "../customers";
import { requireLiveCustomer } from "../credits";
import { commit, once } from "../idempotency";
import { storeRoute } from "../stores";
import { memberRoute, shopRoute } from "./loyalty.auth";
import { GrantStampsBody, GrantVoucherBody, GrantedStamps, LoyaltyAccount, LoyaltyProgram, LoyaltyQuery, PutLoyaltyProgramBody, RedeemVoucherBody, Voucher } from "./loyalty.schemas";
import { currentProgram, grantStamps, grantVoucher, loyaltyAccount, presentEntry, presentProgram, presentVoucher, putProgram, redeemVoucher } from "./loyalty.service";
import { stampLedger } from "./loyalty.tables";
import { eq } from "drizzle-orm";

const tags = ["Loyalty"];

const getProgram = storeRoute({ operationId: "getLoyaltyProgram", method: "get", path: "/v1/loyalty/program", tags, summary: "The store's loyalty program", description: "Version 0 (disabled, the defaults) until it is first set.", responses: { 200: jsonContent(LoyaltyProgram, "The program in force") } });

const setProgram = storeRoute({
  operationId: "putLoyaltyProgram",
  method: "put",
  path: "/v1/loyalty/program",
  tags,
  summary: "Set the loyalty program",
  description:
    "Which products earn (ids or tags), stamps per unit (1) and per voucher (10), the voucher's value (amount off or percent off) and expiry, and when stamps are earned (`order_paid` or `order_delivered`). A change is a new version in force from now: an order earns by the version in force when it was paid, and stamps already earned never change.",
  request: jsonRequest(PutLoyaltyProgramBody),
  responses: { 200: jsonContent(LoyaltyProgram, "The new program") },
});

const accountRoute = storeRoute({
  operationId: "getCustomerLoyalty",
  method: "get",
  path: "/v1/customers/{id}/loyalty",
  tags,
  summary: "A customer's stamps, vouchers and stamp ledger",
  description: "Unspent stamps, vouchers by state (the 100 newest available, 20 newest redeemed and expired, and counts), and the ledger, keyset paginated (`limit`, `cursor`).",
  request: { params: idParam("cus"), query: LoyaltyQuery },
  responses: { 200: jsonContent(LoyaltyAccount, "The loyalty account") },
  errors: [404],
});

const meRoute = customerRoute({ operationId: "getMyLoyalty", method: "get", path: "/v1/me/loyalty", tags, summary: "The signed-in customer's stamps and vouchers", description: "The storefront's view of `GET /v1/customers/{id}/loyalty`.", request: { query: LoyaltyQuery }, responses: { 200: jsonContent(LoyaltyAccount, "The loyalty account") } });

const grantStampsRoute = shopRoute({
  operationId: "grantStamps",
  method: "post",
  path: "/v1/customers/{id}/stamps",
  tags,
  summary: "Grant stamps (the shop)",
  description: "API key only (a customer session is 403). Granted stamps count toward the next conversion, which the next earned order makes, as in the seed.",
  idempotency: "optional",
  request: { params: idParam("cus"), ...jsonRequest(GrantStampsBody) },
  responses: { 201: jsonContent(GrantedStamps, "The ledger entry and the new balance") },
  errors: [404],
});

const grantVoucherRoute = shopRoute({
  operationId: "grantVoucher",
  method: "post",
  path: "/v1/customers/{id}/vouchers",
  tags,
  summary: "Grant a voucher (the shop)",
  description: "API key only (a customer session is 403). Without a value, the program's voucher value and expiry.",
  idempotency: "optional",
  request: { params: idParam("cus"), ...jsonRequest(GrantVoucherBody) },
  responses: { 201: jsonContent(Voucher, "The voucher") },
  errors: [404],
});

const redeemRoute = memberRoute({
  operationId: "redeemVoucher",
  method: "post",
  path: "/v1/vouchers/{id}/redeem",
  tags,
  summary: "Redeem a voucher",
  description: "Once: 409 `voucher_already_redeemed` after that, 422 when expired. A customer session reaches only its own vouchers (another customer's or store's is 404). Vouchers are also redeemed by checkout when applied to a cart.",
  request: { params: idParam("vch"), ...jsonRequest(RedeemVoucherBody) },
  responses: { 200: jsonContent(Voucher, "The redeemed voucher") },
  errors: [404, 409, 422],
});

export const loyaltyRouter = createRouter<AppEnv>()
  .openapi(getProgram, async (c) => c.json(presentProgram(await currentProgram(c.var.db, c.var.principal.storeId)), 200))
  .openapi(setProgram, async (c) => c.json(presentProgram(await putProgram(c.var.db, c.var.principal.storeId, c.var.principal.store.currency, c.req.valid("json"))), 200))
  .openapi(accountRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const customerId = c.req.valid("param").id;
    await requireLiveCustomer(c.var.db, storeId, customerId);
    return c.json(await loyaltyAccount(c.var.db, c.env, storeId, customerId, c.req.valid("query")), 200);
  })
  .openapi(meRoute, async (c) => c.json(await loyaltyAccount(c.var.db, c.env, c.var.customer.storeId, c.var.customer.customerId, c.req.valid("query")), 200))
  .openapi(grantStampsRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const customerId = c.req.valid("param").id;
    const body = c.req.valid("json");
    await requireLiveCustomer(c.var.db, storeId, customerId);
    return once(c, { storeId }, () => grantStamps(c.var.db, storeId, customerId, body.stamps, body.reason), async (result) => {
      const [entry] = await c.var.db.select().from(stampLedger).where(eq(stampLedger.id, result.id)).limit(1);
      return c.json({ ledger_entry: presentEntry(entry!), stamps: entry!.balanceAfter }, 201);
    });
  })
  .openapi(grantVoucherRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const customerId = c.req.valid("param").id;
    const body = c.req.valid("json");
    await requireLiveCustomer(c.var.db, storeId, customerId);
    return once(c, { storeId }, () => grantVoucher(c.var.db, storeId, customerId, body, c.var.principal.store.currency), (row) => c.json(presentVoucher(row), 201));
  })
  .openapi(redeemRoute, async (c) => {
    const member = c.var.member;
    const body = c.req.valid("json");
    const write = await redeemVoucher(c.var.db, member.storeId, c.req.valid("param").id, member.kind === "customer" ? member.customerId : null, body.reference ?? null);
    const { result } = await commit(c.var.db, write, { storeId: member.storeId, events: c.env.EVENTS });
    return c.json(presentVoucher(result), 200);
  });


