import { creditBalances } from "../credits";
import type { CustomerOrderSummary } from "../orders";
import { type SQL, and, asc, count, desc, eq, exists, gte, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { Write } from "../idempotency";
import { hashPassword } from "../../shared/crypto";
import { isUniqueViolation } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { type Page, paginate } from "../../shared/pagination";
import type { SecretSource } from "../../shared/keys";
import { nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import { storeRequiresEmailConfirmation } from "../stores";
import type { AddressInputValue, CreateCustomerInput, CustomerFilters, UpdateCustomerInput } from "./customers.schemas";
import {
  type CustomerAddressRow,
  type CustomerEmailRow,
  type CustomerRow,
  customerAddresses,
  customerEmails,
  customerSessions,
  customers,
} from "./customers.tables";

/**
 * The uniqueness key of an email: trimmed, Unicode NFC, lowercased. `+tags` and dots are kept,
 * since whether `a.b+x@host` and `ab@host` share a mailbox depends on the provider.
 */
/** Order figures per customer id, from the orders module (injected so services stay free of bindings). */
export type OrderFigures = (customerIds: string[], recentLimit: number) => Promise<Record<string, CustomerOrderSummary>>;

export function normalizeEmail(email: string): string {
  return email.trim().normalize("NFC").toLowerCase();
}

export function presentAddress(row: CustomerAddressRow) {
  return {
    id: row.id,
    name: row.name,
    company: row.company,
    line1: row.line1,
    line2: row.line2,
    city: row.city,
    state: row.state,
    postal_code: row.postalCode,
    country: row.country,
    phone: row.phone,
    is_primary: row.isPrimary,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function presentEmail(row: CustomerEmailRow) {
  return {
    id: row.id,
    email: row.email,
    is_primary: row.isPrimary,
    confirmed_at: row.confirmedAt,
    created_at: row.createdAt,
  };
}

/**
 * The API shape of a customer. Order figures come from the store's order stream (the source of
 * truth for orders): `total_spent_cents` sums paid orders in the customer's currency.
 */
export function presentCustomer(row: CustomerRow, addresses: CustomerAddressRow[], orders?: CustomerOrderSummary) {
  return {
    id: row.id,
    email: row.email,
    first_name: row.firstName,
    last_name: row.lastName,
    currency: row.currency,
    total_spent_cents: orders?.paid_cents_by_currency[row.currency] ?? 0,
    last_order_at: orders?.last_order_at ?? null,
    confirmed_at: row.confirmedAt,
    has_password: row.passwordHash !== null,
    addresses: sortAddresses(addresses).map(presentAddress),
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export type CustomerView = ReturnType<typeof presentCustomer>;

/** Whether the customer exists and is not deleted, in this store. */
export async function customerExists(db: Db, storeId: string, customerId: string): Promise<boolean> {
  const [row] = await db.select({ id: customers.id }).from(customers).where(liveCustomer(storeId, customerId)).limit(1);
  return row !== undefined;
}

/** 404 `not_found` unless the customer exists, is not deleted and belongs to this store. */
export async function assertCustomerExists(db: Db, storeId: string, customerId: string): Promise<void> {
  if (!(await customerExists(db, storeId, customerId))) throw notFound();
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Primary first, then oldest first; addresses created together keep the order they were sent in (see createCustomer). */
export function sortAddresses(rows: CustomerAddressRow[]): CustomerAddressRow[] {
  return [...rows].sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary) || byCodeUnit(a.createdAt, b.createdAt) || byCodeUnit(a.id, b.id));
}

export function notFound(): ApiError {
  return new ApiError("not_found", "Customer not found");
}

export function duplicateEmail(): ApiError {
  return new ApiError("duplicate", "Another customer of this store has this email", {
    errors: [{ path: "email", message: "Already used by another customer" }],
  });
}

/** The live customer `id` of `storeId`. */
export function liveCustomer(storeId: string, customerId: string): SQL {
  return and(eq(customers.id, customerId), eq(customers.storeId, storeId), isNull(customers.deletedAt))!;
}

/** Embeddable `EXISTS` for statements on other tables: the customer is live in this store. */
export function liveCustomerExists(storeId: string, customerId: string): SQL {
  return sql`EXISTS (SELECT 1 FROM customers WHERE id = ${customerId} AND store_id = ${storeId} AND deleted_at IS NULL)`;
}

export function newAddressRow(storeId: string, customerId: string, input: AddressInputValue, isPrimary: boolean, now: string): CustomerAddressRow {
  return {
    id: newId("addr"),
    storeId,
    customerId,
    name: input.name ?? null,
    company: input.company ?? null,
    line1: input.line1,
    line2: input.line2 ?? null,
    city: input.city,
    state: input.state ?? null,
    postalCode: input.postal_code ?? null,
    country: input.country,
    phone: input.phone ?? null,
    isPrimary,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
}

/** Creates a customer with its primary email and any addresses (the first is primary unless one says so). */
export async function createCustomer(
  db: Db,
  storeId: string,
  storeCurrency: string,
  input: CreateCustomerInput,
): Promise<Write<{ customer: CustomerRow; addresses: CustomerAddressRow[] }>> {
  const addressInputs = input.addresses ?? [];
  const flagged = addressInputs.filter((a) => a.is_primary === true).length;
  if (flagged > 1) {
    throw new ApiError("validation_failed", "At most one address can be primary", {
      errors: [{ path: "addresses", message: "At most one address can be primary" }],
    });
  }
  const now = nowIso();
  const customer: CustomerRow = {
    id: newId("cus"),
    storeId,
    firstName: input.first_name ?? null,
    lastName: input.last_name ?? null,
    email: input.email,
    currency: input.currency ?? storeCurrency,
    passwordHash: input.password !== undefined ? await hashPassword(input.password) : null,
    confirmedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  const email: CustomerEmailRow = {
    id: newId("eml"),
    storeId,
    customerId: customer.id,
    email: input.email,
    emailNormalized: normalizeEmail(input.email),
    isPrimary: true,
    confirmedAt: null,
    createdAt: now,
    deletedAt: null,
  };
  const primaryIndex = flagged === 1 ? addressInputs.findIndex((a) => a.is_primary === true) : 0;
  // Addresses of one request share created_at, so their ids break the tie: random ids handed out in
  // sorted order keep the order the client sent.
  const addressIds = addressInputs.map(() => newId("addr")).sort(byCodeUnit);
  const addresses = addressInputs.map((a, i) => ({ ...newAddressRow(storeId, customer.id, a, i === primaryIndex, now), id: addressIds[i]! }));
  return {
    statements: [
      db.insert(customers).values(customer),
      db.insert(customerEmails).values(email),
      ...addresses.map((row) => db.insert(customerAddresses).values(row)),
    ],
    events: [
      {
        type: "customer.created",
        resource_type: "customer",
        resource_id: customer.id,
        resource_version: customer.version,
        data: { customer: presentCustomer(customer, addresses) },
      },
    ],
    result: { customer, addresses },
    refused: (err) => (isUniqueViolation(err, "customer_emails.") ? duplicateEmail() : undefined),
  };
}

function addressesOf(db: Db, storeId: string, customerIds: string[]) {
  return db
    .select()
    .from(customerAddresses)
    .where(
      and(
        eq(customerAddresses.storeId, storeId),
        // One bound JSON array instead of one parameter per id: a page of 100 stays under D1's 100.
        sql`${customerAddresses.customerId} IN (SELECT value FROM json_each(${JSON.stringify(customerIds)}))`,
        isNull(customerAddresses.deletedAt),
      ),
    );
}

/** The live customer with its addresses, in one round trip. */
export async function getCustomer(db: Db, storeId: string, customerId: string) {
  const [found, addresses] = await db.batch([
    db.select().from(customers).where(liveCustomer(storeId, customerId)).limit(1),
    addressesOf(db, storeId, [customerId]),
  ]);
  const customer = found[0];
  if (!customer) throw notFound();
  return { customer, addresses };
}

function filterConditions(storeId: string, filters: CustomerFilters): SQL {
  return and(
    eq(customers.storeId, storeId),
    isNull(customers.deletedAt),
    filters.email !== undefined
      ? sql`EXISTS (SELECT 1 FROM customer_emails e WHERE e.store_id = ${storeId} AND e.email_normalized = ${normalizeEmail(filters.email)} AND e.deleted_at IS NULL AND e.customer_id = ${customers.id})`
      : undefined,
    filters.created_after !== undefined ? gte(customers.createdAt, filters.created_after) : undefined,
    filters.created_before !== undefined ? lt(customers.createdAt, filters.created_before) : undefined,
    filters.updated_after !== undefined ? gte(customers.updatedAt, filters.updated_after) : undefined,
  )!;
}

/** Newest first, keyset-paginated on (created_at, id); addresses come in one extra read per page. */
export async function listCustomers(
  db: Db,
  storeId: string,
  query: CustomerFilters & { limit: number; cursor?: string | undefined },
  signingSecret: SecretSource,
  orderFigures: OrderFigures,
): Promise<Page<CustomerView>> {
  const keyset = await paginate(signingSecret, `customers:${storeId}`, query, customers);
  const rows = await db
    .select()
    .from(customers)
    .where(and(filterConditions(storeId, query), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  const ids = rows.slice(0, query.limit).map((r) => r.id);
  const [addresses, figures] = await Promise.all([
    ids.length > 0 ? addressesOf(db, storeId, ids) : Promise.resolve([]),
    orderFigures(ids, 0),
  ]);
  const byCustomer = new Map<string, CustomerAddressRow[]>();
  for (const address of addresses) byCustomer.set(address.customerId, [...(byCustomer.get(address.customerId) ?? []), address]);
  return keyset.page(rows, (r) => presentCustomer(r, byCustomer.get(r.id) ?? [], figures[r.id]));
}

export async function countCustomers(db: Db, storeId: string, filters: CustomerFilters): Promise<number> {
  const [row] = await db.select({ n: count() }).from(customers).where(filterConditions(storeId, filters));
  return row?.n ?? 0;
}

/**
 * Partial update; `expectedVersion` (If-Match) is checked when given. A new or removed password
 * revokes every session of the customer in the same batch.
 */
export async function updateCustomer(
  db: Db,
  storeId: string,
  customerId: string,
  input: UpdateCustomerInput,
  expectedVersion: number | null,
) {
  const now = nowIso();
  const patch: Partial<CustomerRow> = {};
  if (input.first_name !== undefined) patch.firstName = input.first_name;
  if (input.last_name !== undefined) patch.lastName = input.last_name;
  if (input.currency !== undefined) patch.currency = input.currency;
  if (input.password !== undefined) patch.passwordHash = input.password === null ? null : await hashPassword(input.password);
  const target = and(liveCustomer(storeId, customerId), expectedVersion === null ? undefined : eq(customers.version, expectedVersion))!;
  const revoke =
    input.password !== undefined
      ? [
          db
            .update(customerSessions)
            .set({ revokedAt: now })
            .where(
              and(
                eq(customerSessions.customerId, customerId),
                isNull(customerSessions.revokedAt),
                exists(db.select({ one: sql`1` }).from(customers).where(target)),
              ),
            ),
        ]
      : [];
  const update = db
    .update(customers)
    .set({ ...patch, version: sql`${customers.version} + 1`, updatedAt: now })
    .where(target)
    .returning();
  const results = await db.batch([...revoke, update] as unknown as [typeof update]);
  const updated = (results[results.length - 1] as CustomerRow[])[0];
  const current = await getCustomer(db, storeId, customerId);
  if (!updated) throw staleVersion(current.customer.version);
  return current;
}

/**
 * Soft-deletes the customer with its emails (which frees them for reuse) and addresses, and revokes
 * its sessions, atomically.
 */
export async function deleteCustomer(db: Db, storeId: string, customerId: string) {
  const now = nowIso();
  const [, , , deleted] = await db.batch([
    db
      .update(customerEmails)
      .set({ deletedAt: now })
      .where(and(eq(customerEmails.customerId, customerId), eq(customerEmails.storeId, storeId), isNull(customerEmails.deletedAt))),
    db
      .update(customerAddresses)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(customerAddresses.customerId, customerId), eq(customerAddresses.storeId, storeId), isNull(customerAddresses.deletedAt))),
    db
      .update(customerSessions)
      .set({ revokedAt: now })
      .where(and(eq(customerSessions.customerId, customerId), eq(customerSessions.storeId, storeId), isNull(customerSessions.revokedAt))),
    db
      .update(customers)
      .set({ deletedAt: now, updatedAt: now, version: sql`${customers.version} + 1` })
      .where(liveCustomer(storeId, customerId))
      .returning({ id: customers.id }),
  ]);
  if (deleted.length === 0) throw notFound();
}

export const SNAPSHOT_RECENT_ORDERS = 5;

/** The customer with addresses, emails and recent orders: one D1 round trip and one order-stream call, in parallel. */
export async function getCustomerSnapshot(db: Db, storeId: string, customerId: string, orderFigures: OrderFigures) {
  const [[found, addresses, emails], figures, credits] = await Promise.all([db.batch([
    db.select().from(customers).where(liveCustomer(storeId, customerId)).limit(1),
    addressesOf(db, storeId, [customerId]),
    db
      .select()
      .from(customerEmails)
      .where(and(eq(customerEmails.storeId, storeId), eq(customerEmails.customerId, customerId), isNull(customerEmails.deletedAt)))
      .orderBy(desc(customerEmails.isPrimary), asc(customerEmails.createdAt)),
  ]), orderFigures([customerId], SNAPSHOT_RECENT_ORDERS), creditBalances(db, storeId, customerId)]);
  const customer = found[0];
  if (!customer) throw notFound();
  const orders = figures[customerId];
  return {
    ...presentCustomer(customer, addresses, orders),
    emails: emails.map(presentEmail),
    recent_orders: orders?.recent_orders ?? [],
    credit_balances: credits,
  };
}

/**
 * For the carts module: refuses (422 `email_not_confirmed`) when the store requires confirmed
 * emails and the customer's primary email is not confirmed; 404 for an unknown customer or store.
 */
export async function assertCustomerMayOpenCart(db: Db, storeId: string, customerId: string): Promise<void> {
  const [required, [customer]] = await Promise.all([
    storeRequiresEmailConfirmation(db, storeId),
    db.select({ confirmedAt: customers.confirmedAt }).from(customers).where(liveCustomer(storeId, customerId)).limit(1),
  ]);
  if (required === null || !customer) throw notFound();
  if (required && customer.confirmedAt === null) {
    throw new ApiError("email_not_confirmed", "This store requires a confirmed email address before a cart can be opened");
  }
}
