import type { AppEnv } from "../../context";
import { PageQuerySchema } from "../../shared/pagination";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { once } from "../idempotency";
import { storeRoute } from "../stores";
import { Credit, CreditDetail, CreditLedgerPage, CreditListQuery, CreditPage, IssueCreditBody } from "./credits.schemas";
import { getCredit, issueCredit, listCreditLedger, listCredits, presentCredit, voidCredit } from "./credits.service";

const tags = ["Store credit"];
const CreditParams = idParam("cus").extend(idParam("cr", "credit_id").shape);
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };

const issueCreditRoute = storeRoute({
  operationId: "issueCredit",
  method: "post",
  path: "/v1/customers/{id}/credits",
  tags,
  summary: "Grant store credit to a customer",
  description: "The credit, its `issue` ledger row and `credit.issued` commit together. The currency defaults to the customer's.",
  idempotency: "optional",
  request: { params: idParam("cus"), ...jsonRequest(IssueCreditBody) },
  responses: { 201: { ...jsonContent(Credit, "The new credit"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
  errors: [404],
});

const listCreditsRoute = storeRoute({
  operationId: "listCredits",
  method: "get",
  path: "/v1/customers/{id}/credits",
  tags,
  summary: "List a customer's store credits",
  description: "Newest first. The spendable total per currency is on the customer snapshot (`credit_balances`).",
  request: { params: idParam("cus"), query: CreditListQuery },
  responses: { 200: jsonContent(CreditPage, "A page of credits") },
  errors: [404],
});

const getCreditRoute = storeRoute({
  operationId: "getCredit",
  method: "get",
  path: "/v1/customers/{id}/credits/{credit_id}",
  tags,
  summary: "Retrieve a store credit with its ledger",
  description: "The grant, what is left, its state and the newest ledger entries (spends with what they paid for, reversals, void).",
  request: { params: CreditParams },
  responses: { 200: { ...jsonContent(CreditDetail, "The credit and its newest ledger entries"), headers: ETagHeader } },
  errors: [404],
});

const creditLedgerRoute = storeRoute({
  operationId: "listCreditLedger",
  method: "get",
  path: "/v1/customers/{id}/credits/{credit_id}/ledger",
  tags,
  summary: "Page through a store credit's ledger",
  description: "Every issue, spend, reversal, void and expiry, newest first.",
  request: { params: CreditParams, query: PageQuerySchema },
  responses: { 200: jsonContent(CreditLedgerPage, "A page of ledger entries") },
  errors: [404],
});

const voidCreditRoute = storeRoute({
  operationId: "voidCredit",
  method: "post",
  path: "/v1/customers/{id}/credits/{credit_id}/void",
  tags,
  summary: "Void a store credit",
  description: "The balance goes to 0 (recorded as a `void` ledger row) and `voided_at` is set; a voided credit is never spent again. Already voided: 409 `invalid_transition`.",
  idempotency: "optional",
  request: { params: CreditParams },
  responses: { 200: { ...jsonContent(Credit, "The voided credit"), headers: ETagHeader } },
  errors: [404, 409],
});

export const creditsRouter = createRouter<AppEnv>()
  .openapi(issueCreditRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    return once(c, { storeId }, () => issueCredit(c.var.db, storeId, id, body), (row) =>
      c.json(presentCredit(row), 201, { ETag: etag(row.version), Location: `/v1/customers/${id}/credits/${row.id}` }),
    );
  })
  .openapi(listCreditsRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    return c.json(await listCredits(c.var.db, c.env, storeId, c.req.valid("param").id, c.req.valid("query")), 200);
  })
  .openapi(getCreditRoute, async (c) => {
    const { id, credit_id } = c.req.valid("param");
    const credit = await getCredit(c.var.db, c.var.principal.storeId, id, credit_id);
    return c.json(credit, 200, { ETag: etag(credit.version) });
  })
  .openapi(creditLedgerRoute, async (c) => {
    const { id, credit_id } = c.req.valid("param");
    return c.json(await listCreditLedger(c.var.db, c.env, c.var.principal.storeId, id, credit_id, c.req.valid("query")), 200);
  })
  .openapi(voidCreditRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const { id, credit_id } = c.req.valid("param");
    return once(c, { storeId }, () => voidCredit(c.var.db, storeId, id, credit_id), (row) => c.json(presentCredit(row), 200, { ETag: etag(row.version) }));
  });
