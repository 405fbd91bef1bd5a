import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { PageQuerySchema } from "../../shared/pagination";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { requireLiveCustomer } from "../credits";
import { once } from "../idempotency";
import { codeCaller, takeCodeAttempt } from "../limits";
import { storeRoute } from "../stores";
import {
  BalanceLedgerPage,
  GiftCard,
  GiftCardBalance,
  GiftCardDetail,
  GiftCardListQuery,
  GiftCardLookupBody,
  GiftCardPage,
  IssueGiftCardBody,
  IssuedGiftCard,
} from "./giftcards.schemas";
import { findSpendableByCode, getGiftCard, issueGiftCard, listGiftCardLedger, listGiftCards, presentGiftCard, voidGiftCard } from "./giftcards.service";

const tags = ["Gift cards"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };

const issueRoute = storeRoute({
  operationId: "issueGiftCard",
  method: "post",
  path: "/v1/gift-cards",
  tags,
  summary: "Issue a gift card",
  description:
    "Generates a 16-character code (31 unambiguous symbols, about 79 random bits) shown in full only in this response; the store keeps its SHA-256 and last four. The card, its `issue` ledger row and `gift_card.issued` commit together.",
  idempotency: "optional",
  secret: true,
  request: jsonRequest(IssueGiftCardBody),
  responses: { 201: { ...jsonContent(IssuedGiftCard, "The new card and its code"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
  errors: [422],
});

const listRoute = storeRoute({
  operationId: "listGiftCards",
  method: "get",
  path: "/v1/gift-cards",
  tags,
  summary: "List gift cards",
  description: "Newest first; filters combine with AND.",
  request: { query: GiftCardListQuery },
  responses: { 200: jsonContent(GiftCardPage, "A page of gift cards") },
});

const lookupRoute = storeRoute({
  operationId: "lookupGiftCard",
  method: "post",
  path: "/v1/gift-cards/lookup",
  tags,
  summary: "Look up a gift card by its code",
  description:
    "For a storefront's balance check. The code travels in the body, never in a URL. Unknown, voided, expired and empty cards get one identical 404. Counted exactly per store and caller (credential and client address): the 11th lookup or coupon validation in a minute is 429 with `Retry-After`.",
  request: jsonRequest(GiftCardLookupBody),
  responses: { 200: jsonContent(GiftCardBalance, "The card's balance") },
  errors: [404, 429],
});

const getRoute = storeRoute({
  operationId: "getGiftCard",
  method: "get",
  path: "/v1/gift-cards/{id}",
  tags,
  summary: "Retrieve a gift card with its ledger",
  description: "Original and current balance, state, expiry and the newest ledger entries (what each spend paid for). The code itself is never shown again.",
  request: { params: idParam("gc") },
  responses: { 200: { ...jsonContent(GiftCardDetail, "The card and its newest ledger entries"), headers: ETagHeader } },
  errors: [404],
});

const ledgerRoute = storeRoute({
  operationId: "listGiftCardLedger",
  method: "get",
  path: "/v1/gift-cards/{id}/ledger",
  tags,
  summary: "Page through a gift card's ledger",
  description: "Every issue, spend (with what it paid for), reversal, void and expiry, newest first.",
  request: { params: idParam("gc"), query: PageQuerySchema },
  responses: { 200: jsonContent(BalanceLedgerPage, "A page of ledger entries") },
  errors: [404],
});

const voidRoute = storeRoute({
  operationId: "voidGiftCard",
  method: "post",
  path: "/v1/gift-cards/{id}/void",
  tags,
  summary: "Void a gift card",
  description: "The balance goes to 0 (a `void` ledger row records what it held) and `voided_at` is set; a voided card can never be spent again. Already voided: 409 `invalid_transition`.",
  idempotency: "optional",
  request: { params: idParam("gc") },
  responses: { 200: { ...jsonContent(GiftCard, "The voided card"), headers: ETagHeader } },
  errors: [404, 409],
});

const customerCardsRoute = storeRoute({
  operationId: "listCustomerGiftCards",
  method: "get",
  path: "/v1/customers/{id}/gift-cards",
  tags,
  summary: "List a customer's gift cards",
  description: "Cards the customer gave or received, newest first.",
  request: { params: idParam("cus"), query: GiftCardListQuery.omit({ gifter_customer_id: true, recipient_customer_id: true }) },
  responses: { 200: jsonContent(GiftCardPage, "A page of gift cards") },
  errors: [404],
});

const unusable = () => new ApiError("not_found", "No usable gift card has this code");

export const giftCardsRouter = createRouter<AppEnv>()
  .openapi(issueRoute, async (c) => {
    const { store } = c.var.principal;
    const body = c.req.valid("json");
    return once(c, { storeId: store.id }, () => issueGiftCard(c.var.db, store.id, store.currency, body), ({ card, code }) =>
      c.json({ ...presentGiftCard(card), code }, 201, { ETag: etag(card.version), Location: `/v1/gift-cards/${card.id}` }),
    );
  })
  .openapi(listRoute, async (c) => c.json(await listGiftCards(c.var.db, c.env, c.var.principal.storeId, c.req.valid("query")), 200))
  .openapi(lookupRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    await takeCodeAttempt(c.env, storeId, codeCaller(c.var.principal.credentialId, c.req.header("CF-Connecting-IP")));
    const card = await findSpendableByCode(c.var.db, storeId, c.req.valid("json").code);
    if (!card) throw unusable();
    return c.json({ id: card.id, last4: card.last4, balance_cents: card.balanceCents, currency: card.currency, expires_at: card.expiresAt }, 200);
  })
  .openapi(getRoute, async (c) => {
    const card = await getGiftCard(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json(card, 200, { ETag: etag(card.version) });
  })
  .openapi(ledgerRoute, async (c) =>
    c.json(await listGiftCardLedger(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(voidRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const { id } = c.req.valid("param");
    return once(c, { storeId }, () => voidGiftCard(c.var.db, storeId, id), (row) => c.json(presentGiftCard(row), 200, { ETag: etag(row.version) }));
  })
  .openapi(customerCardsRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const { id } = c.req.valid("param");
    await requireLiveCustomer(c.var.db, storeId, id);
    return c.json(await listGiftCards(c.var.db, c.env, storeId, { ...c.req.valid("query"), customer_id: id }), 200);
  });
