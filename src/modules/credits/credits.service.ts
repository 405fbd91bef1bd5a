import { type SQL, and, asc, desc, eq, gt, isNull, not, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { customers } from "../../db/schema";
import { batchable, changedOneRow, guardStatement, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import type { Write } from "../idempotency";
import { CREDIT_LEDGER_PREVIEW, type IssueCreditInput } from "./credits.schemas";
import { type CreditLedgerRow, type CreditRow, creditLedger, customerCredits } from "./credits.tables";

const notFound = () => new ApiError("not_found", "No such store credit for this customer");

/** A guard that a customer is live in the store (the batch fails if it was deleted meanwhile). */
export function liveCustomerGuard(db: Db, storeId: string, customerId: string) {
  return guardStatement(db, sql`EXISTS (SELECT 1 FROM ${customers} WHERE ${customers.id} = ${customerId} AND ${customers.storeId} = ${storeId} AND ${customers.deletedAt} IS NULL)`);
}

/** The customer's currency, or 404 when the customer is not live in this store. */
export async function requireLiveCustomer(db: Db, storeId: string, customerId: string): Promise<{ currency: string }> {
  const [row] = await db
    .select({ currency: customers.currency })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.storeId, storeId), isNull(customers.deletedAt)))
    .limit(1);
  if (!row) throw new ApiError("not_found", "No such customer in this store");
  return row;
}

export function creditState(row: Pick<CreditRow, "voidedAt" | "expiresAt" | "balanceCents">, now = nowIso()) {
  if (row.voidedAt !== null) return "voided" as const;
  if (row.expiresAt !== null && row.expiresAt <= now) return "expired" as const;
  if (row.balanceCents === 0) return "depleted" as const;
  return "active" as const;
}

export function presentCredit(row: CreditRow) {
  return {
    id: row.id,
    customer_id: row.customerId,
    currency: row.currency,
    amount_cents: row.amountCents,
    balance_cents: row.balanceCents,
    state: creditState(row),
    reason: row.reason,
    expires_at: row.expiresAt,
    voided_at: row.voidedAt,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function presentEntry(row: CreditLedgerRow) {
  return {
    id: row.id,
    kind: row.kind,
    amount_cents: row.amountCents,
    balance_after_cents: row.balanceAfterCents,
    reference: row.reference,
    reverses_id: row.reversesId,
    reversed_cents: row.reversedCents,
    created_at: row.createdAt,
  };
}

/** A credit that can be spent at `now`. */
export function spendableCredit(now: string): SQL {
  return and(isNull(customerCredits.voidedAt), gt(customerCredits.balanceCents, 0), or(isNull(customerCredits.expiresAt), gt(customerCredits.expiresAt, now)))!;
}

export async function issueCredit(db: Db, storeId: string, customerId: string, input: IssueCreditInput): Promise<Write<CreditRow>> {
  const customer = await requireLiveCustomer(db, storeId, customerId);
  const now = nowIso();
  const row: CreditRow = {
    id: newId("cr"),
    storeId,
    customerId,
    currency: input.currency ?? customer.currency,
    amountCents: input.amount_cents,
    balanceCents: input.amount_cents,
    reason: input.reason,
    expiresAt: input.expires_at ?? null,
    voidedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return {
    statements: [
      liveCustomerGuard(db, storeId, customerId),
      db.insert(customerCredits).values(row),
      db.insert(creditLedger).values({
        id: newId("crl"),
        storeId,
        creditId: row.id,
        customerId,
        kind: "issue",
        amountCents: row.amountCents,
        balanceAfterCents: row.amountCents,
        reference: null,
        reversesId: null,
        reversedCents: 0,
        createdAt: now,
      }),
    ],
    events: [{ type: "credit.issued", resource_type: "credit", resource_id: row.id, resource_version: 1, data: { credit: presentCredit(row) } }],
    result: row,
    refused: (error) => (isBatchGuardFailure(error) ? new ApiError("not_found", "No such customer in this store") : undefined),
  };
}

async function creditRow(db: Db, storeId: string, customerId: string, creditId: string): Promise<CreditRow> {
  const [row] = await db
    .select()
    .from(customerCredits)
    .where(and(eq(customerCredits.id, creditId), eq(customerCredits.storeId, storeId), eq(customerCredits.customerId, customerId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

export async function getCredit(db: Db, storeId: string, customerId: string, creditId: string) {
  const [[row], ledger] = await db.batch([
    db
      .select()
      .from(customerCredits)
      .where(and(eq(customerCredits.id, creditId), eq(customerCredits.storeId, storeId), eq(customerCredits.customerId, customerId)))
      .limit(1),
    db
      .select()
      .from(creditLedger)
      .where(and(eq(creditLedger.creditId, creditId), eq(creditLedger.storeId, storeId), eq(creditLedger.customerId, customerId)))
      .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
      .limit(CREDIT_LEDGER_PREVIEW + 1),
  ]);
  if (!row) throw notFound();
  return { ...presentCredit(row), ledger: ledger.slice(0, CREDIT_LEDGER_PREVIEW).map(presentEntry), ledger_has_more: ledger.length > CREDIT_LEDGER_PREVIEW };
}

export async function listCreditLedger(db: Db, secret: SecretSource, storeId: string, customerId: string, creditId: string, page: { limit: number; cursor?: string | undefined }) {
  await creditRow(db, storeId, customerId, creditId);
  const keyset = await paginate(secret, `credit_ledger:${storeId}:${creditId}`, page, { createdAt: creditLedger.createdAt, id: creditLedger.id });
  const rows = await db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.creditId, creditId), eq(creditLedger.storeId, storeId), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, presentEntry);
}

export async function listCredits(db: Db, secret: SecretSource, storeId: string, customerId: string, query: { limit: number; cursor?: string | undefined; active?: boolean | undefined }) {
  await requireLiveCustomer(db, storeId, customerId);
  const now = nowIso();
  const keyset = await paginate(secret, `credits:${storeId}:${customerId}:${query.active ?? ""}`, query, { createdAt: customerCredits.createdAt, id: customerCredits.id });
  const conditions: Array<SQL | undefined> = [eq(customerCredits.storeId, storeId), eq(customerCredits.customerId, customerId), keyset.where];
  if (query.active === true) conditions.push(spendableCredit(now));
  if (query.active === false) conditions.push(not(spendableCredit(now)));
  const rows = await db.select().from(customerCredits).where(and(...conditions)).orderBy(...keyset.orderBy).limit(keyset.limit);
  return keyset.page(rows, presentCredit);
}

/** Voids a credit: balance to 0 with a `void` ledger row of what it held; 409 if already voided. */
export async function voidCredit(db: Db, storeId: string, customerId: string, creditId: string): Promise<Write<CreditRow>> {
  const row = await creditRow(db, storeId, customerId, creditId);
  const alreadyVoided = () => new ApiError("invalid_transition", "The credit is already voided");
  if (row.voidedAt !== null) throw alreadyVoided();
  const now = nowIso();
  const voided: CreditRow = { ...row, balanceCents: 0, voidedAt: now, version: row.version + 1, updatedAt: now };
  return {
    statements: [
      batchable(
        db.$client,
        db.run(sql`INSERT INTO credit_ledger (id, store_id, credit_id, customer_id, kind, amount_cents, balance_after_cents, reversed_cents, created_at)
          SELECT ${newId("crl")}, store_id, id, customer_id, 'void', balance_cents, 0, 0, ${now} FROM customer_credits
          WHERE id = ${creditId} AND store_id = ${storeId} AND voided_at IS NULL`),
      ),
      changedOneRow(db),
      db
        .update(customerCredits)
        .set({ balanceCents: 0, voidedAt: now, version: sql`${customerCredits.version} + 1`, updatedAt: now })
        .where(and(eq(customerCredits.id, creditId), eq(customerCredits.storeId, storeId), isNull(customerCredits.voidedAt))),
    ],
    events: [{ type: "credit.voided", resource_type: "credit", resource_id: creditId, resource_version: voided.version, data: { credit: presentCredit(voided) } }],
    result: voided,
    refused: (error) => (isBatchGuardFailure(error) ? alreadyVoided() : undefined),
  };
}

/** Spendable credit per currency, for the customer snapshot. */
export async function creditBalances(db: Db, storeId: string, customerId: string): Promise<Array<{ currency: string; amount_cents: number }>> {
  const rows = await db
    .select({ currency: customerCredits.currency, amount: sql<number>`sum(${customerCredits.balanceCents})` })
    .from(customerCredits)
    .where(and(eq(customerCredits.storeId, storeId), eq(customerCredits.customerId, customerId), spendableCredit(nowIso())))
    .groupBy(customerCredits.currency)
    .orderBy(asc(customerCredits.currency));
  return rows.map((r) => ({ currency: r.currency, amount_cents: Number(r.amount) }));
}
