import { type SQL, and, eq, isNull, sql } from "drizzle-orm";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { aesGcmEncrypt } from "../../shared/crypto";
import { ApiError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { type SecretSource, currentSecret, decryptWithRotation, purposeKey } from "../../shared/keys";
import { paginate } from "../../shared/pagination";
import { nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import { webhookUrlProblem } from "./webhooks.urls";
import { type WebhookDeliveryRow, type WebhookEndpointRow, webhookDeliveries, webhookEndpoints } from "./webhooks.tables";

export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
const notFound = () => new ApiError("not_found", "No such webhook endpoint in this store");

export function allowLoopback(env: Pick<Bindings, "ALLOW_LOOPBACK_WEBHOOKS">): boolean {
  return env.ALLOW_LOOPBACK_WEBHOOKS === "true";
}

export function assertDeliverableUrl(env: Pick<Bindings, "ALLOW_LOOPBACK_WEBHOOKS">, url: string, path = "url") {
  const problem = webhookUrlProblem(url, allowLoopback(env));
  if (problem) throw new ApiError("validation_failed", "The URL cannot receive signed deliveries", { errors: [{ path, message: problem }] });
}

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
}

export async function sealSecret(source: SecretSource, secret: string): Promise<string> {
  return aesGcmEncrypt(await purposeKey(currentSecret(source), "webhook"), secret);
}

/** The secrets that sign a delivery now: the current one, and the previous one during its 24 h overlap. */
export async function signingSecrets(
  source: SecretSource,
  row: Pick<WebhookEndpointRow, "secretCiphertext" | "previousSecretCiphertext" | "previousSecretExpiresAt">,
  now = nowIso(),
): Promise<string[]> {
  const secrets = [await decryptWithRotation(source, "webhook", row.secretCiphertext)];
  if (row.previousSecretCiphertext && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now) {
    secrets.push(await decryptWithRotation(source, "webhook", row.previousSecretCiphertext));
  }
  return secrets;
}

export function presentEndpoint(row: WebhookEndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: JSON.parse(row.eventTypes) as string[],
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    consecutive_failures: row.consecutiveFailures,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function presentDeliveryDetail(row: WebhookDeliveryRow) {
  return { ...presentDelivery(row), response_body: row.responseBody };
}

export function presentDelivery(row: WebhookDeliveryRow) {
  return {
    id: row.id,
    endpoint_id: row.endpointId,
    event_id: row.eventId,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === "pending" ? row.nextAttemptAt : null,
    response_status: row.responseStatus,
    latency_ms: row.latencyMs,
    last_error: row.lastError,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    delivered_at: row.deliveredAt,
  };
}

const live = (storeId: string, id: string): SQL => and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.storeId, storeId), isNull(webhookEndpoints.deletedAt))!;

export async function getEndpoint(db: Db, storeId: string, id: string): Promise<WebhookEndpointRow> {
  const [row] = await db.select().from(webhookEndpoints).where(live(storeId, id)).limit(1);
  if (!row) throw notFound();
  return row;
}

export async function createEndpoint(db: Db, env: Bindings, storeId: string, input: { url: string; event_types?: string[] | undefined; description?: string | null | undefined; enabled?: boolean | undefined }) {
  assertDeliverableUrl(env, input.url);
  const secret = newWebhookSecret();
  const now = nowIso();
  const row: WebhookEndpointRow = {
    id: newId("we"),
    storeId,
    url: input.url,
    description: input.description ?? null,
    eventTypes: JSON.stringify(input.event_types ?? ["*"]),
    enabled: input.enabled ?? true,
    secretCiphertext: await sealSecret(env, secret),
    previousSecretCiphertext: null,
    previousSecretExpiresAt: null,
    consecutiveFailures: 0,
    failingSince: null,
    disabledReason: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await db.insert(webhookEndpoints).values(row);
  return { row, secret };
}

export async function listEndpoints(db: Db, secret: SecretSource, storeId: string, page: { limit: number; cursor?: string | undefined }) {
  const keyset = await paginate(secret, `webhook_endpoints:${storeId}`, page, webhookEndpoints);
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.storeId, storeId), isNull(webhookEndpoints.deletedAt), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return keyset.page(rows, presentEndpoint);
}

export async function updateEndpoint(
  db: Db,
  env: Bindings,
  storeId: string,
  id: string,
  expected: number,
  input: { url?: string | undefined; event_types?: string[] | undefined; description?: string | null | undefined; enabled?: boolean | undefined },
) {
  if (input.url !== undefined) assertDeliverableUrl(env, input.url);
  const patch: Partial<WebhookEndpointRow> = {};
  if (input.url !== undefined) patch.url = input.url;
  if (input.event_types !== undefined) patch.eventTypes = JSON.stringify(input.event_types);
  if (input.description !== undefined) patch.description = input.description;
  if (input.enabled !== undefined) {
    patch.enabled = input.enabled;
    // Re-enabling starts the failure count over.
    if (input.enabled) Object.assign(patch, { disabledReason: null, consecutiveFailures: 0, failingSince: null });
  }
  const [row] = await db
    .update(webhookEndpoints)
    .set({ ...patch, version: sql`${webhookEndpoints.version} + 1`, updatedAt: nowIso() })
    .where(and(live(storeId, id), eq(webhookEndpoints.version, expected)))
    .returning();
  if (row) return row;
  throw staleVersion((await getEndpoint(db, storeId, id)).version);
}

export async function deleteEndpoint(db: Db, storeId: string, id: string) {
  const deleted = await db.update(webhookEndpoints).set({ deletedAt: nowIso(), enabled: false }).where(live(storeId, id)).returning({ id: webhookEndpoints.id });
  if (deleted.length === 0) throw notFound();
}

/** A new secret; the previous one keeps signing (both signatures are sent) for 24 h. */
export async function rotateSecret(db: Db, env: Bindings, storeId: string, id: string) {
  const current = await getEndpoint(db, storeId, id);
  const secret = newWebhookSecret();
  const now = Date.now();
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      secretCiphertext: await sealSecret(env, secret),
      previousSecretCiphertext: current.secretCiphertext,
      previousSecretExpiresAt: new Date(now + ROTATION_OVERLAP_MS).toISOString(),
      version: sql`${webhookEndpoints.version} + 1`,
      updatedAt: nowIso(now),
    })
    .where(and(live(storeId, id), eq(webhookEndpoints.secretCiphertext, current.secretCiphertext)))
    .returning();
  if (!row) throw new ApiError("conflict", "The secret was rotated concurrently; retry");
  return { row, secret };
}

export async function listDeliveries(db: Db, secret: SecretSource, storeId: string, endpointId: string, query: { limit: number; cursor?: string | undefined; status?: "pending" | "succeeded" | "failed" | undefined; event_type?: string | undefined }) {
  await getEndpoint(db, storeId, endpointId);
  const keyset = await paginate(secret, `webhook_deliveries:${storeId}:${endpointId}:${query.status ?? ""}:${query.event_type ?? ""}`, query, webhookDeliveries);
  const conditions: Array<SQL | undefined> = [eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.storeId, storeId), keyset.where];
  if (query.status) conditions.push(eq(webhookDeliveries.status, query.status));
  if (query.event_type) conditions.push(eq(webhookDeliveries.eventType, query.event_type));
  const rows = await db.select().from(webhookDeliveries).where(and(...conditions)).orderBy(...keyset.orderBy).limit(keyset.limit);
  return keyset.page(rows, presentDelivery);
}

export async function getDelivery(db: Db, storeId: string, id: string): Promise<WebhookDeliveryRow> {
  const [row] = await db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.storeId, storeId))).limit(1);
  if (!row) throw new ApiError("not_found", "No such webhook delivery in this store");
  return row;
}
