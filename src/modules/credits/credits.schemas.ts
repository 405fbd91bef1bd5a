import { z } from "@hono/zod-openapi";
import { AmountCentsSchema, CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { FutureInstant, Timestamp, booleanQuery } from "../../shared/schemas";

export const CREDIT_LEDGER_PREVIEW = 20;

const LedgerEntry = z
  .object({
    id: z.string().openapi({ example: "crl_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    kind: z.enum(["issue", "spend", "reversal", "void", "expire"]),
    amount_cents: z.number().int(),
    balance_after_cents: z.number().int(),
    reference: z.string().nullable(),
    reverses_id: z.string().nullable(),
    reversed_cents: z.number().int(),
    created_at: Timestamp,
  })
  .openapi("CreditLedgerEntry");

export const CreditLedgerPage = pageSchema(LedgerEntry, "CreditLedgerPage");

export const Credit = z
  .object({
    id: z.string().openapi({ example: "cr_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    customer_id: z.string(),
    currency: z.string().openapi({ example: "USD" }),
    amount_cents: z.number().int().openapi({ description: "What was granted" }),
    balance_cents: z.number().int().openapi({ description: "What is left to spend" }),
    state: z.enum(["active", "depleted", "expired", "voided"]),
    reason: z.string(),
    expires_at: Timestamp.nullable(),
    voided_at: Timestamp.nullable(),
    version: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Credit");

export const CreditDetail = Credit.extend({
  ledger: z.array(LedgerEntry).openapi({ description: `The newest ${CREDIT_LEDGER_PREVIEW} entries, newest first; the whole ledger pages at /ledger` }),
  ledger_has_more: z.boolean(),
}).openapi("CreditDetail");

export const CreditPage = pageSchema(Credit, "CreditPage");

export const IssueCreditBody = z
  .strictObject({
    amount_cents: AmountCentsSchema.min(1),
    currency: CurrencySchema.optional().openapi({ description: "Defaults to the customer's currency" }),
    reason: z.string().trim().min(1).max(500).openapi({ example: "Late delivery of ord_123" }),
    expires_at: FutureInstant.nullable().optional(),
  })
  .openapi("IssueCreditBody", { example: { amount_cents: 1500, reason: "Late delivery" } });
export type IssueCreditInput = z.infer<typeof IssueCreditBody>;

export const CreditListQuery = PageQuerySchema.extend({
  active: booleanQuery("active", "`true`: only credits that can be spent now; `false`: only depleted, expired or voided ones"),
});

export const CreditBalance = z
  .object({ currency: z.string().openapi({ example: "USD" }), amount_cents: z.number().int().openapi({ example: 2500 }) })
  .openapi("CreditBalance", { description: "Spendable store credit in one currency (not voided, not expired)" });
