import { z } from "@hono/zod-openapi";
import { AmountCentsSchema, CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { FutureInstant, Timestamp, booleanQuery } from "../../shared/schemas";

export const LEDGER_PREVIEW = 20;

const CustomerRef = z.string().min(1).max(64).openapi({ example: "cus_8fJ2kq0LxY4m1Nw7pQzR3a" });

export const GiftCardState = z.enum(["active", "depleted", "expired", "voided"]).openapi({
  description: "`active` can be spent; `depleted` has a zero balance; `expired` passed `expires_at`; `voided` can never be spent again",
});

export const GiftCard = z
  .object({
    id: z.string().openapi({ example: "gc_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    last4: z.string().openapi({ example: "7KQ2", description: "The code's last four characters; the full code is shown once, on issue" }),
    currency: z.string().openapi({ example: "USD" }),
    initial_amount_cents: z.number().int().openapi({ example: 5000 }),
    balance_cents: z.number().int().openapi({ example: 3200 }),
    state: GiftCardState,
    gifter_customer_id: z.string().nullable(),
    recipient_customer_id: z.string().nullable(),
    note: z.string().nullable(),
    expires_at: Timestamp.nullable(),
    voided_at: Timestamp.nullable(),
    version: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("GiftCard");

export const IssuedGiftCard = GiftCard.extend({
  code: z.string().openapi({ example: "ABCD-EFGH-JKMN-PQRS", description: "The full code: shown only in this response (a replay of its Idempotency-Key shows it again)" }),
}).openapi("IssuedGiftCard");

export const BalanceLedgerEntry = z
  .object({
    id: z.string().openapi({ example: "gcl_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    kind: z.enum(["issue", "spend", "reversal", "void", "expire"]),
    amount_cents: z.number().int().openapi({ description: "Always positive; `kind` says which way the balance moved" }),
    balance_after_cents: z.number().int(),
    reference: z.string().nullable().openapi({ description: "What the change paid for or undid (e.g. an order id)" }),
    reverses_id: z.string().nullable().openapi({ description: "For a `reversal`: the spend it gives back" }),
    reversed_cents: z.number().int().openapi({ description: "For a `spend`: how much of it has been given back" }),
    created_at: Timestamp,
  })
  .openapi("BalanceLedgerEntry");

export const BalanceLedgerPage = pageSchema(BalanceLedgerEntry, "BalanceLedgerPage");

export const GiftCardDetail = GiftCard.extend({
  ledger: z.array(BalanceLedgerEntry).openapi({ description: `The newest ${LEDGER_PREVIEW} ledger entries, newest first; the whole ledger pages at /ledger` }),
  ledger_has_more: z.boolean(),
}).openapi("GiftCardDetail");

export const GiftCardPage = pageSchema(GiftCard, "GiftCardPage");

export const IssueGiftCardBody = z
  .strictObject({
    amount_cents: AmountCentsSchema.min(1),
    currency: CurrencySchema.optional().openapi({ description: "Defaults to the store's currency" }),
    gifter_customer_id: CustomerRef.nullable().optional(),
    recipient_customer_id: CustomerRef.nullable().optional(),
    expires_at: FutureInstant.nullable().optional(),
    note: z.string().trim().max(500).nullable().optional(),
  })
  .openapi("IssueGiftCardBody", { example: { amount_cents: 5000, recipient_customer_id: "cus_8fJ2kq0LxY4m1Nw7pQzR3a", note: "Happy birthday" } });
export type IssueGiftCardInput = z.infer<typeof IssueGiftCardBody>;

export const GiftCardListQuery = PageQuerySchema.extend({
  gifter_customer_id: CustomerRef.optional().openapi({ param: { name: "gifter_customer_id", in: "query" } }),
  recipient_customer_id: CustomerRef.optional().openapi({ param: { name: "recipient_customer_id", in: "query" } }),
  active: booleanQuery("active", "`true`: only cards that can be spent now; `false`: only depleted, expired or voided ones"),
});
export type GiftCardListInput = z.infer<typeof GiftCardListQuery>;

export const GiftCardLookupBody = z
  .strictObject({ code: z.string().min(1).max(64).openapi({ example: "ABCD-EFGH-JKMN-PQRS", description: "Dashes, spaces and case are ignored" }) })
  .openapi("GiftCardLookupBody");

export const GiftCardBalance = z
  .object({
    id: z.string(),
    last4: z.string(),
    balance_cents: z.number().int(),
    currency: z.string(),
    expires_at: Timestamp.nullable(),
  })
  .openapi("GiftCardBalance");
