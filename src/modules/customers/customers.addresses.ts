import { and, eq, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { batchGuard, batchable, isBatchGuardFailure } from "../../shared/d1";
import { rowFromJson, rowJson } from "../../shared/d1-json";
import type { Write } from "../idempotency";
import { ApiError } from "../../shared/errors";
import { nowIso } from "../../shared/time";
import { type AddressInputValue, MAX_ADDRESSES } from "./customers.schemas";
import { customerExists, liveCustomer, liveCustomerExists, newAddressRow, notFound, sortAddresses } from "./customers.service";
import { type CustomerAddressRow, customerAddresses, customers } from "./customers.tables";

function addressNotFound(): ApiError {
  return new ApiError("not_found", "Address not found");
}

/** Live addresses, primary first, in one round trip with the customer check. */
export async function listAddresses(db: Db, storeId: string, customerId: string): Promise<CustomerAddressRow[]> {
  const [found, rows] = await db.batch([
    db.select({ id: customers.id }).from(customers).where(liveCustomer(storeId, customerId)).limit(1),
    db
      .select()
      .from(customerAddresses)
      .where(and(eq(customerAddresses.customerId, customerId), eq(customerAddresses.storeId, storeId), isNull(customerAddresses.deletedAt))),
  ]);
  if (found.length === 0) throw notFound();
  return sortAddresses(rows);
}

/**
 * Adds an address. With `is_primary: true` the previous primary is cleared in the same batch; when
 * omitted, the address is primary only if the customer has none. Both statements carry the same
 * guard (live customer, under the cap), so they apply together or not at all.
 */
export function addAddress(db: Db, storeId: string, customerId: string, input: AddressInputValue): Write<{ id: string }> {
  const now = nowIso();
  const row = newAddressRow(storeId, customerId, input, false, now);
  const underCap = sql`(SELECT count(*) FROM customer_addresses WHERE customer_id = ${customerId} AND deleted_at IS NULL) < ${MAX_ADDRESSES}`;
  const isPrimary =
    input.is_primary === true
      ? sql`1`
      : input.is_primary === false
        ? sql`0`
        : sql`NOT EXISTS (SELECT 1 FROM customer_addresses WHERE customer_id = ${customerId} AND is_primary = 1 AND deleted_at IS NULL)`;
  const clearPrimary =
    input.is_primary === true
      ? [
          db
            .update(customerAddresses)
            .set({ isPrimary: false, updatedAt: now })
            .where(
              and(
                eq(customerAddresses.customerId, customerId),
                eq(customerAddresses.storeId, storeId),
                eq(customerAddresses.isPrimary, true),
                isNull(customerAddresses.deletedAt),
                liveCustomerExists(storeId, customerId),
                underCap,
              ),
            ),
        ]
      : [];
  const insert = batchable(
    db.$client,
    db.run(sql`
      INSERT INTO customer_addresses
        (id, store_id, customer_id, name, company, line1, line2, city, state, postal_code, country, phone, is_primary, created_at, updated_at)
      SELECT ${row.id}, ${storeId}, ${customerId}, ${row.name}, ${row.company}, ${row.line1}, ${row.line2}, ${row.city},
             ${row.state}, ${row.postalCode}, ${row.country}, ${row.phone}, ${isPrimary}, ${now}, ${now}
      FROM customers WHERE id = ${customerId} AND store_id = ${storeId} AND deleted_at IS NULL AND ${underCap}`),
  );
  return {
    // The guard turns "no row inserted" (unknown customer, cap reached) into an aborted batch.
    statements: [...clearPrimary, insert, batchable(db.$client, db.run(batchGuard(sql`changes() = 1`)))],
    result: { id: row.id },
    snapshot: rowJson(customerAddresses, eq(customerAddresses.id, row.id)),
    refused: async (err) => {
      if (!isBatchGuardFailure(err)) return undefined;
      if (!(await customerExists(db, storeId, customerId))) return notFound();
      return new ApiError("conflict", `A customer has at most ${MAX_ADDRESSES} addresses`);
    },
  };
}

/** The address as its batch wrote it. */
export function addedAddress(snapshot: Record<string, unknown>): CustomerAddressRow {
  return rowFromJson(customerAddresses, snapshot);
}

/**
 * Makes one address primary: clear the others, set this one, in one batch. Concurrent calls
 * serialize in D1 (the last one wins), and the partial unique index on live primaries makes two
 * primaries impossible whatever the order.
 */
export async function makePrimaryAddress(db: Db, storeId: string, customerId: string, addressId: string): Promise<CustomerAddressRow> {
  const now = nowIso();
  const targetLive = and(
    eq(customerAddresses.id, addressId),
    eq(customerAddresses.customerId, customerId),
    eq(customerAddresses.storeId, storeId),
    isNull(customerAddresses.deletedAt),
    liveCustomerExists(storeId, customerId),
  )!;
  const targetExists = sql`EXISTS (SELECT 1 FROM customer_addresses WHERE id = ${addressId} AND customer_id = ${customerId} AND store_id = ${storeId} AND deleted_at IS NULL)`;
  const [, updated] = await db.batch([
    db
      .update(customerAddresses)
      .set({ isPrimary: false, updatedAt: now })
      .where(
        and(
          eq(customerAddresses.customerId, customerId),
          eq(customerAddresses.storeId, storeId),
          eq(customerAddresses.isPrimary, true),
          ne(customerAddresses.id, addressId),
          isNull(customerAddresses.deletedAt),
          targetExists,
          liveCustomerExists(storeId, customerId),
        ),
      ),
    db.update(customerAddresses).set({ isPrimary: true, updatedAt: now }).where(targetLive).returning(),
  ]);
  const row = updated[0];
  if (!row) {
    if (!(await customerExists(db, storeId, customerId))) throw notFound();
    throw addressNotFound();
  }
  return row;
}

/** Soft-deletes an address; deleting the primary leaves the customer without one. */
export async function deleteAddress(db: Db, storeId: string, customerId: string, addressId: string): Promise<void> {
  const now = nowIso();
  const [deleted] = await db
    .update(customerAddresses)
    .set({ deletedAt: now, isPrimary: false, updatedAt: now })
    .where(
      and(
        eq(customerAddresses.id, addressId),
        eq(customerAddresses.customerId, customerId),
        eq(customerAddresses.storeId, storeId),
        isNull(customerAddresses.deletedAt),
        liveCustomerExists(storeId, customerId),
      ),
    )
    .returning({ id: customerAddresses.id });
  if (!deleted) {
    if (!(await customerExists(db, storeId, customerId))) throw notFound();
    throw addressNotFound();
  }
}
