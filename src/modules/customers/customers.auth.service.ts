import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { PBKDF2_MAX_ITERATIONS, sha256Hex, verifyPassword } from "../../shared/crypto";
import { ApiError } from "../../shared/errors";
import { newId, newSecret } from "../../shared/ids";
import { addSeconds, nowIso } from "../../shared/time";
import { storeIsLive } from "../stores";
import { liveCustomer, normalizeEmail, notFound } from "./customers.service";
import { confirmationTokens, customerEmails, customerSessions, customers } from "./customers.tables";

/** Storefront sessions last 30 days; logout or a password change ends them earlier. */
export const SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Who a storefront request is acting for; set by `requireCustomer()`. */
export interface CustomerPrincipal {
  storeId: string;
  customerId: string;
  sessionId: string;
  expiresAt: string;
}

/** The login rate limiter as the service sees it (the LoginLimiter Durable Object in production). */
export interface LoginGate {
  /** Counts an attempt from `client`; `credentialTag` changes when the password does (counters restart). */
  attempt(client: string, credentialTag: string): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  /** The password was right: `client`'s counter restarts. */
  succeeded(client: string): Promise<void>;
}

// A well-formed hash at the production iteration count that matches no password: unknown emails and
// customers without a password cost the same PBKDF2 work as a wrong password.
const DUMMY_HASH = `pbkdf2_sha256$${PBKDF2_MAX_ITERATIONS}$${"A".repeat(22)}$${"A".repeat(43)}`;

export interface LoginInput {
  storeId: string;
  email: string;
  password: string;
  /** The client address (`CF-Connecting-IP`), as counted by the gate. */
  client: string;
}

/** Names the current password without revealing it: a password change gives the account fresh counters. */
async function credentialTag(passwordHash: string | null): Promise<string> {
  return passwordHash === null ? "none" : (await sha256Hex(passwordHash)).slice(0, 16);
}

/**
 * Email + password login. The attempt is counted by the gate first (429 with Retry-After when over
 * the limit); unknown email, missing password and wrong password all answer the same 401. The session
 * is only written if the verified password hash is still the customer's: a login that raced a password
 * change gets a 401, never a session the change did not revoke.
 */
export async function login(db: Db, gate: LoginGate, input: LoginInput) {
  const [found] = await db
    .select({ id: customers.id, passwordHash: customers.passwordHash })
    .from(customerEmails)
    .innerJoin(customers, eq(customers.id, customerEmails.customerId))
    .where(
      and(
        eq(customerEmails.storeId, input.storeId),
        eq(customerEmails.emailNormalized, normalizeEmail(input.email)),
        isNull(customerEmails.deletedAt),
        isNull(customers.deletedAt),
        storeIsLive(customers.storeId),
      ),
    )
    .limit(1);
  const decision = await gate.attempt(input.client, await credentialTag(found?.passwordHash ?? null));
  if (!decision.allowed) {
    throw new ApiError("rate_limited", "Too many login attempts for this email; try again later", {
      headers: { "Retry-After": String(decision.retryAfterSeconds) },
    });
  }
  const verified = await verifyPassword(input.password, found?.passwordHash ?? DUMMY_HASH);
  if (!found || found.passwordHash === null || !verified) throw new ApiError("invalid_credentials");
  await gate.succeeded(input.client);
  const session = await createSession(db, input.storeId, found.id, found.passwordHash);
  if (!session) throw new ApiError("invalid_credentials");
  return session;
}

/**
 * A new opaque session token (`cst_`), stored as its SHA-256. The insert happens only while the
 * customer is live, in a live store, and still has `passwordHash` (null: the password changed since).
 */
export async function createSession(db: Db, storeId: string, customerId: string, passwordHash: string) {
  const token = newSecret("cst");
  const now = nowIso();
  const expiresAt = addSeconds(now, SESSION_TTL_SECONDS);
  const inserted = await db.all<{ id: string }>(sql`
    INSERT INTO customer_sessions (id, store_id, customer_id, token_hash, created_at, expires_at, revoked_at)
    SELECT ${newId("sess")}, ${storeId}, ${customerId}, ${await sha256Hex(token)}, ${now}, ${expiresAt}, NULL
    FROM customers c
    WHERE c.id = ${customerId} AND c.store_id = ${storeId} AND c.deleted_at IS NULL AND c.password_hash = ${passwordHash}
      AND ${storeIsLive(sql`c.store_id`)}
    RETURNING id`);
  return inserted.length > 0 ? { token, expiresAt, customerId } : null;
}

/** Resolves a session token; revoked, expired, deleted-customer and deleted-store sessions are null. */
export async function authenticateSession(db: Db, token: string): Promise<CustomerPrincipal | null> {
  if (!/^cst_[0-9A-Za-z]{32}$/.test(token)) return null;
  const [found] = await db
    .select({
      sessionId: customerSessions.id,
      storeId: customerSessions.storeId,
      customerId: customerSessions.customerId,
      expiresAt: customerSessions.expiresAt,
    })
    .from(customerSessions)
    .innerJoin(customers, eq(customers.id, customerSessions.customerId))
    .where(
      and(
        eq(customerSessions.tokenHash, await sha256Hex(token)),
        isNull(customerSessions.revokedAt),
        gt(customerSessions.expiresAt, nowIso()),
        isNull(customers.deletedAt),
        storeIsLive(customers.storeId),
      ),
    )
    .limit(1);
  return found ?? null;
}

export async function revokeSession(db: Db, sessionId: string) {
  await db.update(customerSessions).set({ revokedAt: nowIso() }).where(and(eq(customerSessions.id, sessionId), isNull(customerSessions.revokedAt)));
}

/** Deletes sessions and confirmation tokens that ended more than a day ago (catch-up style, idempotent). */
export async function purgeExpiredCustomerTokens(db: Db, now = Date.now()) {
  const cutoff = new Date(now - 24 * 60 * 60 * 1000).toISOString();
  await db.batch([
    db.delete(customerSessions).where(or(lt(customerSessions.expiresAt, cutoff), lt(customerSessions.revokedAt, cutoff))),
    db.delete(confirmationTokens).where(lt(confirmationTokens.expiresAt, cutoff)),
  ]);
}

/**
 * The store's back end unlocks storefront login for every live email of its customer (all counters
 * and trusted addresses dropped); 404 when the customer is not the store's live customer.
 */
export async function unlockLogin(db: Db, limiterFor: (emailNormalized: string) => { unlock(): Promise<void> }, storeId: string, customerId: string) {
  const rows = await db
    .select({ email: customerEmails.emailNormalized })
    .from(customers)
    .leftJoin(customerEmails, and(eq(customerEmails.customerId, customers.id), isNull(customerEmails.deletedAt)))
    .where(liveCustomer(storeId, customerId));
  if (rows.length === 0) throw notFound();
  await Promise.all(rows.flatMap((row) => (row.email === null ? [] : [limiterFor(row.email).unlock()])));
}
