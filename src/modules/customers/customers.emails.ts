import { and, asc, desc, eq, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { batchGuard, batchable, isBatchGuardFailure, isUniqueViolation } from "../../shared/d1";
import type { Write } from "../idempotency";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { nowIso } from "../../shared/time";
import { MAX_EMAILS } from "./customers.schemas";
import { customerExists, duplicateEmail, liveCustomer, liveCustomerExists, normalizeEmail, notFound } from "./customers.service";
import { type CustomerEmailRow, customerEmails, customers } from "./customers.tables";

function emailNotFound(): ApiError {
  return new ApiError("not_found", "Email not found");
}

/** The customer's live emails, primary first. */
export async function listEmails(db: Db, storeId: string, customerId: string): Promise<CustomerEmailRow[]> {
  const [found, rows] = await db.batch([
    db.select({ id: customers.id }).from(customers).where(liveCustomer(storeId, customerId)).limit(1),
    db
      .select()
      .from(customerEmails)
      .where(and(eq(customerEmails.customerId, customerId), eq(customerEmails.storeId, storeId), isNull(customerEmails.deletedAt)))
      .orderBy(desc(customerEmails.isPrimary), asc(customerEmails.createdAt)),
  ]);
  if (found.length === 0) throw notFound();
  return rows;
}

/**
 * Adds an email (unique per store after normalization). As primary, it replaces the previous primary
 * and becomes `customer.email`, unconfirmed, in the same batch.
 */
export function addEmail(db: Db, storeId: string, customerId: string, email: string, isPrimary: boolean): Write<CustomerEmailRow> {
  const now = nowIso();
  const row: CustomerEmailRow = {
    id: newId("eml"),
    storeId,
    customerId,
    email,
    emailNormalized: normalizeEmail(email),
    isPrimary,
    confirmedAt: null,
    createdAt: now,
    deletedAt: null,
  };
  const underCap = sql`(SELECT count(*) FROM customer_emails WHERE customer_id = ${customerId} AND deleted_at IS NULL) < ${MAX_EMAILS}`;
  const insert = batchable(
    db.$client,
    db.run(sql`
      INSERT INTO customer_emails (id, store_id, customer_id, email, email_normalized, is_primary, created_at)
      SELECT ${row.id}, ${storeId}, ${customerId}, ${email}, ${row.emailNormalized}, ${isPrimary ? 1 : 0}, ${now}
      FROM customers WHERE id = ${customerId} AND store_id = ${storeId} AND deleted_at IS NULL AND ${underCap}`),
  );
  // The guard turns "no row inserted" (unknown customer, cap reached) into an aborted batch.
  const inserted = batchable(db.$client, db.run(batchGuard(sql`changes() = 1`)));
  const statements = isPrimary
    ? [
        db
          .update(customerEmails)
          .set({ isPrimary: false })
          .where(
            and(
              eq(customerEmails.customerId, customerId),
              eq(customerEmails.storeId, storeId),
              eq(customerEmails.isPrimary, true),
              isNull(customerEmails.deletedAt),
              liveCustomerExists(storeId, customerId),
              underCap,
            ),
          ),
        insert,
        inserted,
        db
          .update(customers)
          .set({ email, confirmedAt: null, updatedAt: now, version: sql`${customers.version} + 1` })
          .where(and(liveCustomer(storeId, customerId), sql`EXISTS (SELECT 1 FROM customer_emails WHERE id = ${row.id})`)),
      ]
    : [insert, inserted];
  return {
    statements,
    result: row,
    refused: async (err) => {
      if (isUniqueViolation(err, "customer_emails.")) return duplicateEmail();
      if (!isBatchGuardFailure(err)) return undefined;
      if (!(await customerExists(db, storeId, customerId))) return notFound();
      return new ApiError("conflict", `A customer has at most ${MAX_EMAILS} emails`);
    },
  };
}

/** Soft-deletes a secondary email (the address becomes free); the primary cannot be deleted. */
export async function deleteEmail(db: Db, storeId: string, customerId: string, emailId: string): Promise<void> {
  const owned = and(
    eq(customerEmails.id, emailId),
    eq(customerEmails.customerId, customerId),
    eq(customerEmails.storeId, storeId),
    isNull(customerEmails.deletedAt),
    liveCustomerExists(storeId, customerId),
  );
  const [deleted] = await db
    .update(customerEmails)
    .set({ deletedAt: nowIso() })
    .where(and(owned, eq(customerEmails.isPrimary, false)))
    .returning({ id: customerEmails.id });
  if (deleted) return;
  const [existing] = await db.select({ id: customerEmails.id }).from(customerEmails).where(owned).limit(1);
  if (existing) throw new ApiError("conflict", "The primary email cannot be deleted; make another email primary first");
  if (!(await customerExists(db, storeId, customerId))) throw notFound();
  throw emailNotFound();
}

/**
 * Makes an email primary: clears the old primary, sets this one and copies its address and
 * confirmation onto the customer, in one batch (at most one primary, also by unique index).
 */
export async function makePrimaryEmail(db: Db, storeId: string, customerId: string, emailId: string): Promise<CustomerEmailRow> {
  const now = nowIso();
  const targetExists = sql`EXISTS (SELECT 1 FROM customer_emails WHERE id = ${emailId} AND customer_id = ${customerId} AND store_id = ${storeId} AND deleted_at IS NULL)`;
  const [, updated] = await db.batch([
    db
      .update(customerEmails)
      .set({ isPrimary: false })
      .where(
        and(
          eq(customerEmails.customerId, customerId),
          eq(customerEmails.storeId, storeId),
          eq(customerEmails.isPrimary, true),
          ne(customerEmails.id, emailId),
          isNull(customerEmails.deletedAt),
          targetExists,
          liveCustomerExists(storeId, customerId),
        ),
      ),
    db
      .update(customerEmails)
      .set({ isPrimary: true })
      .where(
        and(
          eq(customerEmails.id, emailId),
          eq(customerEmails.customerId, customerId),
          eq(customerEmails.storeId, storeId),
          isNull(customerEmails.deletedAt),
          liveCustomerExists(storeId, customerId),
        ),
      )
      .returning(),
    db
      .update(customers)
      .set({
        email: sql`(SELECT email FROM customer_emails WHERE id = ${emailId})`,
        confirmedAt: sql`(SELECT confirmed_at FROM customer_emails WHERE id = ${emailId})`,
        updatedAt: now,
        version: sql`${customers.version} + 1`,
      })
      .where(and(liveCustomer(storeId, customerId), targetExists)),
  ]);
  const row = updated[0];
  if (!row) {
    if (!(await customerExists(db, storeId, customerId))) throw notFound();
    throw emailNotFound();
  }
  return row;
}
