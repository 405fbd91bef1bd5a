import { type SQL, and, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { aesGcmEncrypt, randomBase62, sha256Hex } from "../../shared/crypto";
import { type SecretSource, currentSecret, decryptWithRotation, purposeKey } from "../../shared/keys";
import { addSeconds, nowIso } from "../../shared/time";
import { idempotencyKeys } from "./idempotency.tables";

export const RETENTION_SECONDS = 24 * 60 * 60;
/** An in-flight claim older than this is presumed crashed and may be claimed again. */
export const LOCK_SECONDS = 30;

/** API.md: a key is scoped by store + method + route pattern, never by the credential. */
export interface IdempotencyScope {
  storeId: string;
  method: string;
  route: string;
  key: string;
}

export interface StoredOutcome {
  result: unknown;
  snapshot: unknown;
}

export type ClaimResult =
  | { kind: "claimed"; id: string; holder: string }
  | { kind: "replay"; outcome: StoredOutcome }
  | { kind: "in_flight" }
  | { kind: "mismatch" };

export function recordId(scope: IdempotencyScope): Promise<string> {
  return sha256Hex([scope.storeId, scope.method, scope.route, scope.key].join("\u0000"));
}

/**
 * Claims a key in one statement: inserts it, or takes over a record that expired or whose holder
 * stopped without finishing. Anything else is an existing live record, returned for replay.
 */
export async function claim(db: Db, scope: IdempotencyScope, requestHash: string, secret: SecretSource): Promise<ClaimResult> {
  const id = await recordId(scope);
  const now = nowIso();
  const fresh = freshClaim(requestHash, now);
  const holder = fresh.holder;
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ id, storeId: scope.storeId, ...fresh })
    .onConflictDoUpdate({
      target: idempotencyKeys.id,
      set: fresh,
      setWhere: sql`${idempotencyKeys.expiresAt} < ${now} OR (${idempotencyKeys.state} = 'in_flight' AND ${idempotencyKeys.lockedUntil} < ${now})`,
    })
    .returning({ id: idempotencyKeys.id });
  if (claimed.length > 0) return { kind: "claimed", id, holder };
  return inspect(db, id, requestHash, secret);
}

/** Looks at an existing record: the same request, finished, is a replay. */
export async function inspect(db: Db, id: string, requestHash: string, secret: SecretSource): Promise<ClaimResult> {
  const row = await db.query.idempotencyKeys.findFirst({ where: eq(idempotencyKeys.id, id) });
  if (!row) return { kind: "in_flight" };
  if (row.requestHash !== requestHash) return { kind: "mismatch" };
  if (row.state !== "done" || row.result === null) return { kind: "in_flight" };
  let result: string;
  try {
    result = await decryptWithRotation(secret, "idempotency", row.result);
  } catch {
    // Sealed under a secret that is neither current nor previous: the outcome is gone, so the
    // record counts as expired and this request takes it over and runs again (never a 500).
    return reclaimUnreadable(db, id, requestHash, row.result);
  }
  return {
    kind: "replay",
    outcome: {
      result: JSON.parse(result),
      snapshot: row.snapshot === null ? null : JSON.parse(row.snapshot),
    },
  };
}

/** The columns of a record just claimed by a new holder. */
function freshClaim(requestHash: string, now: string) {
  return {
    requestHash,
    state: "in_flight" as const,
    holder: randomBase62(16),
    result: null,
    snapshot: null,
    createdAt: now,
    lockedUntil: addSeconds(now, LOCK_SECONDS),
    expiresAt: addSeconds(now, RETENTION_SECONDS),
  };
}

async function reclaimUnreadable(db: Db, id: string, requestHash: string, unreadable: string): Promise<ClaimResult> {
  const fresh = freshClaim(requestHash, nowIso());
  const holder = fresh.holder;
  const taken = await db
    .update(idempotencyKeys)
    .set(fresh)
    .where(and(eq(idempotencyKeys.id, id), eq(idempotencyKeys.state, "done"), eq(idempotencyKeys.result, unreadable)))
    .returning({ id: idempotencyKeys.id });
  // Another retry took it over first: wait for that one like any in-flight request.
  return taken.length > 0 ? { kind: "claimed", id, holder } : { kind: "in_flight" };
}

/** The result as stored: AES-GCM under the idempotency key of the current secret (it may hold a secret shown once). */
export async function sealResult(result: unknown, secret: SecretSource): Promise<string> {
  return aesGcmEncrypt(await purposeKey(currentSecret(secret), "idempotency"), JSON.stringify(result ?? null));
}

/**
 * The statement that completes a claim, for the same batch as the effect: it only applies while
 * this request still holds the claim (a crashed holder's lock may have been taken over; the caller
 * guards on changes() after it). `snapshot` is evaluated inside the batch, after the effect.
 */
export function completion(db: Db, claimed: { id: string; holder: string }, sealed: string, snapshot: SQL | undefined) {
  return db
    .update(idempotencyKeys)
    .set({ state: "done", result: sealed, snapshot: snapshot ?? null })
    .where(and(eq(idempotencyKeys.id, claimed.id), eq(idempotencyKeys.state, "in_flight"), eq(idempotencyKeys.holder, claimed.holder)))
    .returning({ snapshot: idempotencyKeys.snapshot });
}

/** Gives a claim back when the request did no work (refused, failed, or crashed before its batch). */
export async function release(db: Db, claimed: { id: string; holder: string }) {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.id, claimed.id), eq(idempotencyKeys.state, "in_flight"), eq(idempotencyKeys.holder, claimed.holder)));
}

/** Deletes records past their 24 h retention (catch-up style, safe to run twice). */
export async function purgeExpiredIdempotencyKeys(db: Db, now = nowIso()) {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now));
}
