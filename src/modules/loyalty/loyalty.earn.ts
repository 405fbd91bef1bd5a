import { type SQL, and, desc, eq, inArray, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import { productTags } from "../../db/schema";
import { batchable } from "../../shared/d1";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { type LoyaltyProgramRow, loyaltyPrograms } from "./loyalty.tables";

type Statement = BatchItem<"sqlite">;

/** The program version in force at `at` (null: no program, or none yet then). */
export async function programAt(db: Db, storeId: string, at: string): Promise<LoyaltyProgramRow | null> {
  const [row] = await db
    .select()
    .from(loyaltyPrograms)
    .where(and(eq(loyaltyPrograms.storeId, storeId), lte(loyaltyPrograms.validFrom, at)))
    .orderBy(desc(loyaltyPrograms.validFrom), desc(loyaltyPrograms.version))
    .limit(1);
  return row ?? null;
}

interface OrderLike {
  id: string;
  lines: Array<{ product_id: string | null; quantity: number; custom?: boolean }>;
}

/** Stamps an order earns under a program: stamps per unit for every unit of an earning product (by id or tag). */
export async function stampsFor(db: Db, storeId: string, program: LoyaltyProgramRow, order: OrderLike): Promise<number> {
  const ids = new Set(JSON.parse(program.earnProductIds) as string[]);
  const tags = JSON.parse(program.earnTags) as string[];
  const lines = order.lines.filter((l) => l.product_id && !l.custom && Number.isInteger(l.quantity) && l.quantity > 0);
  const tagged = new Set<string>();
  const candidates = [...new Set(lines.map((l) => l.product_id!).filter((id) => !ids.has(id)))];
  for (let i = 0; tags.length > 0 && i < candidates.length; i += 50) {
    const rows = await db
      .selectDistinct({ productId: productTags.productId })
      .from(productTags)
      .where(and(eq(productTags.storeId, storeId), inArray(productTags.productId, candidates.slice(i, i + 50)), inArray(productTags.tag, tags.slice(0, 40))));
    for (const row of rows) tagged.add(row.productId);
  }
  return lines.reduce((sum, l) => sum + (ids.has(l.product_id!) || tagged.has(l.product_id!) ? l.quantity * program.stampsPerUnit : 0), 0);
}

const account = (storeId: string, customerId: string) => sql`store_id = ${storeId} AND customer_id = ${customerId}`;

function ensureAccount(db: Db, storeId: string, customerId: string, now: string): Statement {
  return batchable(db.$client, db.run(sql`INSERT INTO loyalty_accounts (store_id, customer_id, stamps, updated_at) VALUES (${storeId}, ${customerId}, 0, ${now}) ON CONFLICT DO NOTHING`));
}

/**
 * Every full block of unspent stamps becomes a voucher, consuming the block, in three statements that
 * compute the block count from the account row as the batch finds it (so concurrent earnings, which
 * D1 runs one batch at a time, never spend a stamp twice): the vouchers (ids and codes from SQLite's
 * CSPRNG), the `converted` ledger row, the balance.
 */
export function conversion(db: Db, storeId: string, customerId: string, program: LoyaltyProgramRow, now: string): Statement[] {
  // Inlined as an integer literal: D1 binds JS numbers as REAL, and 26 / 10.0 is 2.6, not 2.
  const per = sql.raw(String(Math.max(1, Math.trunc(program.stampsPerVoucher))));
  const blocks = sql`(SELECT CASE WHEN stamps >= ${per} THEN stamps / ${per} ELSE 0 END FROM loyalty_accounts WHERE ${account(storeId, customerId)})`;
  const expiresAt = program.voucherExpiryDays ? new Date(Date.parse(now) + program.voucherExpiryDays * 86_400_000).toISOString() : null;
  return [
    batchable(
      db.$client,
      db.run(sql`WITH RECURSIVE seq(n) AS (SELECT 1 WHERE ${blocks} >= 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${blocks})
        INSERT INTO vouchers (id, store_id, customer_id, code, source, amount_off_cents, percent_off, currency, expires_at, created_at)
        SELECT 'vch_' || lower(hex(randomblob(11))), ${storeId}, ${customerId}, upper(hex(randomblob(8))), 'converted',
               ${program.voucherAmountOffCents}, ${program.voucherPercentOff}, ${program.voucherCurrency}, ${expiresAt}, ${now} FROM seq`),
    ),
    batchable(
      db.$client,
      db.run(sql`INSERT INTO stamp_ledger (id, store_id, customer_id, kind, stamps, balance_after, order_id, vouchers, reason, created_at)
        SELECT ${newId("stl")}, store_id, customer_id, 'converted', -(stamps / ${per}) * ${per}, stamps - (stamps / ${per}) * ${per}, NULL, stamps / ${per}, NULL, ${now}
        FROM loyalty_accounts WHERE ${account(storeId, customerId)} AND stamps >= ${per}`),
    ),
    batchable(db.$client, db.run(sql`UPDATE loyalty_accounts SET stamps = stamps - (stamps / ${per}) * ${per}, updated_at = ${now} WHERE ${account(storeId, customerId)} AND stamps >= ${per}`)),
  ];
}

/**
 * An order's stamps, once: the `earned` row is unique per order and is not written when the order's
 * stamps were already reversed (a cancellation that arrived first); the balance moves only if the
 * row was written; then the conversion.
 */
export function earning(db: Db, storeId: string, customerId: string, orderId: string, stamps: number, program: LoyaltyProgramRow): Statement[] {
  const now = nowIso();
  const id = newId("stl");
  const settled: SQL = sql`EXISTS (SELECT 1 FROM stamp_ledger WHERE store_id = ${storeId} AND order_id = ${orderId} AND kind IN ('earned', 'reversed'))`;
  return [
    ensureAccount(db, storeId, customerId, now),
    batchable(
      db.$client,
      db.run(sql`INSERT INTO stamp_ledger (id, store_id, customer_id, kind, stamps, balance_after, order_id, vouchers, reason, created_at)
        SELECT ${id}, store_id, customer_id, 'earned', ${stamps}, stamps + ${stamps}, ${orderId}, 0, NULL, ${now}
        FROM loyalty_accounts WHERE ${account(storeId, customerId)} AND NOT ${settled}`),
    ),
    batchable(db.$client, db.run(sql`UPDATE loyalty_accounts SET stamps = stamps + ${stamps}, updated_at = ${now} WHERE ${account(storeId, customerId)} AND EXISTS (SELECT 1 FROM stamp_ledger WHERE id = ${id})`)),
    ...conversion(db, storeId, customerId, program, now),
  ];
}

/**
 * A canceled order gives its stamps back once. If they were already converted the balance goes below
 * zero rather than taking back a voucher the customer may have used; later earnings repay it first.
 * A cancellation that arrives before the earning leaves a zero `reversed` row, which blocks it.
 */
export function reversal(db: Db, storeId: string, customerId: string, orderId: string): Statement[] {
  const now = nowIso();
  const id = newId("stl");
  const earned = sql`coalesce((SELECT stamps FROM stamp_ledger WHERE store_id = ${storeId} AND order_id = ${orderId} AND kind = 'earned'), 0)`;
  return [
    ensureAccount(db, storeId, customerId, now),
    batchable(
      db.$client,
      db.run(sql`INSERT INTO stamp_ledger (id, store_id, customer_id, kind, stamps, balance_after, order_id, vouchers, reason, created_at)
        SELECT ${id}, store_id, customer_id, 'reversed', -${earned}, stamps - ${earned}, ${orderId}, 0, 'order canceled', ${now}
        FROM loyalty_accounts WHERE ${account(storeId, customerId)}
        ON CONFLICT DO NOTHING`),
    ),
    batchable(db.$client, db.run(sql`UPDATE loyalty_accounts SET stamps = stamps + (SELECT stamps FROM stamp_ledger WHERE id = ${id}), updated_at = ${now} WHERE ${account(storeId, customerId)} AND EXISTS (SELECT 1 FROM stamp_ledger WHERE id = ${id})`)),
  ];
}

/** Stamps granted by the shop: they count toward the next conversion (as in the seed), which an earning triggers. */
export function grant(db: Db, storeId: string, customerId: string, stamps: number, reason: string): { id: string; statements: Statement[] } {
  const now = nowIso();
  const id = newId("stl");
  return {
    id,
    statements: [
      ensureAccount(db, storeId, customerId, now),
      batchable(
        db.$client,
        db.run(sql`INSERT INTO stamp_ledger (id, store_id, customer_id, kind, stamps, balance_after, order_id, vouchers, reason, created_at)
          SELECT ${id}, store_id, customer_id, 'granted', ${stamps}, stamps + ${stamps}, NULL, 0, ${reason}, ${now} FROM loyalty_accounts WHERE ${account(storeId, customerId)}`),
      ),
      batchable(db.$client, db.run(sql`UPDATE loyalty_accounts SET stamps = stamps + ${stamps}, updated_at = ${now} WHERE ${account(storeId, customerId)}`)),
    ],
  };
}
