import { and, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { aesGcmDecrypt, aesGcmEncrypt, sha256Hex } from "../../shared/crypto";
import { purposeKey } from "../../shared/keys";
import { addSeconds, nowIso } from "../../shared/time";
import { idempotencyKeys } from "./idempotency.tables";

export const RETENTION_SECONDS = 24 * 60 * 60;
/** An in-flight claim older than this is presumed crashed and may be claimed again. */
export const LOCK_SECONDS = 30;

export interface IdempotencyScope {
  storeId: string;
  credentialId: string;
  method: string;
  route: string;
  key: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ClaimResult =
  | { kind: "claimed"; id: string }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_flight" }
  | { kind: "mismatch" };

export function recordId(scope: IdempotencyScope): Promise<string> {
  return sha256Hex([scope.storeId, scope.credentialId, scope.method, scope.route, scope.key].join("\u0000"));
}

/**
 * Claims a key in one statement: inserts it, or takes over a record that expired or whose holder
 * stopped without finishing. Anything else is an existing live record, returned for replay.
 */
export async function claim(
  db: Db,
  scope: IdempotencyScope,
  requestHash: string,
  secret: string,
): Promise<ClaimResult> {
  const id = await recordId(scope);
  const now = nowIso();
  const claimed = await db
    .insert(idempotencyKeys)
    .values({
      id,
      storeId: scope.storeId,
      requestHash,
      state: "in_flight",
      createdAt: now,
      lockedUntil: addSeconds(now, LOCK_SECONDS),
      expiresAt: addSeconds(now, RETENTION_SECONDS),
    })
    .onConflictDoUpdate({
      target: idempotencyKeys.id,
      set: {
        requestHash,
        state: "in_flight",
        responseStatus: null,
        responseHeaders: null,
        responseBody: null,
        createdAt: now,
        lockedUntil: addSeconds(now, LOCK_SECONDS),
        expiresAt: addSeconds(now, RETENTION_SECONDS),
      },
      setWhere: sql`${idempotencyKeys.expiresAt} < ${now} OR (${idempotencyKeys.state} = 'in_flight' AND ${idempotencyKeys.lockedUntil} < ${now})`,
    })
    .returning({ id: idempotencyKeys.id });
  if (claimed.length > 0) return { kind: "claimed", id };
  return inspect(db, id, requestHash, secret);
}

/** Looks at an existing record: same request and finished is a replay. */
export async function inspect(db: Db, id: string, requestHash: string, secret: string): Promise<ClaimResult> {
  const row = await db.query.idempotencyKeys.findFirst({ where: eq(idempotencyKeys.id, id) });
  if (!row) return { kind: "in_flight" };
  if (row.requestHash !== requestHash) return { kind: "mismatch" };
  if (row.state !== "done" || row.responseStatus === null || row.responseBody === null) return { kind: "in_flight" };
  const key = await purposeKey(secret, "idempotency");
  return {
    kind: "replay",
    response: {
      status: row.responseStatus,
      headers: JSON.parse(row.responseHeaders ?? "{}") as Record<string, string>,
      body: await aesGcmDecrypt(key, row.responseBody),
    },
  };
}

export async function complete(db: Db, id: string, response: StoredResponse, secret: string) {
  const key = await purposeKey(secret, "idempotency");
  await db
    .update(idempotencyKeys)
    .set({
      state: "done",
      responseStatus: response.status,
      responseHeaders: JSON.stringify(response.headers),
      responseBody: await aesGcmEncrypt(key, response.body),
    })
    .where(and(eq(idempotencyKeys.id, id), eq(idempotencyKeys.state, "in_flight")));
}

/** Gives a claim back when the request did no work (validation failure, auth failure, 5xx). */
export async function release(db: Db, id: string) {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.id, id), eq(idempotencyKeys.state, "in_flight")));
}

/** Deletes records past their 24 h retention (catch-up style, safe to run twice). */
export async function purgeExpiredIdempotencyKeys(db: Db, now = nowIso()) {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now));
}
