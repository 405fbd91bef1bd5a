import { type SQL, type SQLWrapper, and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Write } from "../idempotency";
import type { Db } from "../../db/client";
import { sha256Hex, timingSafeEqualStrings } from "../../shared/crypto";
import { ApiError } from "../../shared/errors";
import { newId, newSecret } from "../../shared/ids";
import type { SecretSource } from "../../shared/keys";
import { type Page, type PageRequest, paginate } from "../../shared/pagination";
import { addSeconds, nowIso } from "../../shared/time";
import { staleVersion } from "../../shared/versioning";
import { type Principal, cachePrincipal, cachedPrincipal, evictPrincipals } from "./stores.cache";
import { type CredentialRow, type StoreRow, credentials, stores } from "./stores.tables";

export const ACCESS_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** last_used_at is refreshed at most this often per credential, to keep auth read-only. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Who is calling: resolved once per request by the auth middleware. */
export function presentStore(row: StoreRow) {
  return {
    id: row.id,
    name: row.name,
    tagline: row.tagline,
    currency: row.currency,
    app_id: row.appId,
    credit_order_preference: row.creditOrderPreference,
    require_email_confirmation: row.requireEmailConfirmation,
    tax_rate_bps: row.taxRateBps,
    shipping_flat_cents: row.shippingFlatCents,
    stored_value_order: row.storedValueOrder,
    free_shipping_over_cents: row.freeShippingOverCents,
    cart_expiry_seconds: row.cartExpirySeconds,
    max_item_quantity: row.maxItemQuantity,
    draft_expiry_days: row.draftExpiryDays,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function presentApiKey(row: CredentialRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.displayPrefix,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
  };
}

function newApiKeyRow(storeId: string, name: string | null, now: string) {
  const secret = newSecret("sk");
  return {
    secret,
    row: (secretHash: string): CredentialRow => ({
      id: newId("key"),
      storeId,
      kind: "api_key",
      name,
      secretHash,
      displayPrefix: secret.slice(0, 7),
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    }),
  };
}

export interface CreateStoreInput {
  name: string;
  tagline?: string | undefined;
  currency: string;
  credit_order_preference?: StoreRow["creditOrderPreference"] | undefined;
  require_email_confirmation?: boolean | undefined;
  tax_rate_bps?: number | undefined;
  shipping_flat_cents?: number | undefined;
  stored_value_order?: "gift_cards_first" | "credit_first" | undefined;
  free_shipping_over_cents?: number | null | undefined;
  cart_expiry_seconds?: number | undefined;
  max_item_quantity?: number | undefined;
  draft_expiry_days?: number | null | undefined;
}

/** Creates a store with its first API key and app secret; both secrets are returned only here. */
export async function createStore(db: Db, input: CreateStoreInput) {
  const now = nowIso();
  const appSecret = newSecret("as");
  const key = newApiKeyRow("", "default", now);
  const [appSecretHash, keyHash] = await Promise.all([sha256Hex(appSecret), sha256Hex(key.secret)]);
  const store: StoreRow = {
    id: newId("store"),
    name: input.name,
    tagline: input.tagline ?? null,
    currency: input.currency,
    appId: newId("app"),
    appSecretHash,
    creditOrderPreference: input.credit_order_preference ?? "gift_card_first",
    requireEmailConfirmation: input.require_email_confirmation ?? false,
    taxRateBps: input.tax_rate_bps ?? 0,
    shippingFlatCents: input.shipping_flat_cents ?? 0,
    storedValueOrder: input.stored_value_order ?? "gift_cards_first",
    freeShippingOverCents: input.free_shipping_over_cents ?? null,
    cartExpirySeconds: input.cart_expiry_seconds ?? 604800,
    maxItemQuantity: input.max_item_quantity ?? 100,
    draftExpiryDays: input.draft_expiry_days ?? null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  const keyRow = { ...key.row(keyHash), storeId: store.id };
  return {
    statements: [db.insert(stores).values(store), db.insert(credentials).values(keyRow)],
    result: { store, apiKey: keyRow, apiKeySecret: key.secret, appSecret },
  } satisfies Write<unknown>;
}

export type UpdateStoreInput = Partial<Omit<CreateStoreInput, "tagline">> & { tagline?: string | null | undefined };

/** Applies a partial update when `expectedVersion` is current; otherwise 412 with the current version. */
export async function updateStore(db: Db, storeId: string, expectedVersion: number, input: UpdateStoreInput) {
  const patch: Partial<StoreRow> = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.tagline !== undefined) patch.tagline = input.tagline;
  if (input.currency !== undefined) patch.currency = input.currency;
  if (input.credit_order_preference !== undefined) patch.creditOrderPreference = input.credit_order_preference;
  if (input.require_email_confirmation !== undefined) patch.requireEmailConfirmation = input.require_email_confirmation;
  if (input.tax_rate_bps !== undefined) patch.taxRateBps = input.tax_rate_bps;
  if (input.shipping_flat_cents !== undefined) patch.shippingFlatCents = input.shipping_flat_cents;
  if (input.stored_value_order !== undefined) patch.storedValueOrder = input.stored_value_order;
  if (input.free_shipping_over_cents !== undefined) patch.freeShippingOverCents = input.free_shipping_over_cents;
  if (input.cart_expiry_seconds !== undefined) patch.cartExpirySeconds = input.cart_expiry_seconds;
  if (input.max_item_quantity !== undefined) patch.maxItemQuantity = input.max_item_quantity;
  if (input.draft_expiry_days !== undefined) patch.draftExpiryDays = input.draft_expiry_days;
  const [updated] = await db
    .update(stores)
    .set({ ...patch, version: sql`${stores.version} + 1`, updatedAt: nowIso() })
    .where(and(eq(stores.id, storeId), eq(stores.version, expectedVersion), isNull(stores.deletedAt)))
    .returning();
  if (updated) {
    evictPrincipals((p) => p.storeId === storeId);
    return updated;
  }
  const current = await db.query.stores.findFirst({
    columns: { version: true },
    where: and(eq(stores.id, storeId), isNull(stores.deletedAt)),
  });
  if (!current) throw new ApiError("not_found", "Store not found");
  throw staleVersion(current.version);
}

/** Soft-deletes the store and revokes every credential it has, atomically. */
export async function deleteStore(db: Db, storeId: string) {
  const now = nowIso();
  await db.batch([
    db.update(stores).set({ deletedAt: now, updatedAt: now }).where(and(eq(stores.id, storeId), isNull(stores.deletedAt))),
    db
      .update(credentials)
      .set({ revokedAt: now })
      .where(and(eq(credentials.storeId, storeId), isNull(credentials.revokedAt))),
  ]);
  evictPrincipals((p) => p.storeId === storeId);
}

/** The store as it is now (not the cached principal's copy); a deleted store is 404. */
export async function getStore(db: Db, storeId: string): Promise<StoreRow> {
  const store = await db.query.stores.findFirst({ where: and(eq(stores.id, storeId), isNull(stores.deletedAt)) });
  if (!store) throw new ApiError("not_found", "Store not found");
  return store;
}

/**
 * Credential management (API keys, the app secret) needs an API key: an access token is a 24-hour
 * grant derived from the app secret and must not be able to mint or remove lasting credentials.
 */
export function assertApiKey(principal: Pick<Principal, "kind">): void {
  if (principal.kind !== "api_key") {
    throw new ApiError("forbidden", "Access tokens cannot manage API keys or the app secret; use an API key (sk_...)");
  }
}

export async function createApiKey(db: Db, principal: Pick<Principal, "kind" | "storeId">, name: string | null) {
  assertApiKey(principal);
  const key = newApiKeyRow(principal.storeId, name, nowIso());
  const row = key.row(await sha256Hex(key.secret));
  return { statements: [db.insert(credentials).values(row)], result: { row, secret: key.secret } } satisfies Write<unknown>;
}

/** The store's live credentials of one kind, newest first (one keyset query for both lists). */
async function liveCredentials(db: Db, storeId: string, kind: "api_key" | "access_token", page: PageRequest, secret: SecretSource) {
  const keyset = await paginate(secret, `${kind === "api_key" ? "api_keys" : "access_tokens"}:${storeId}`, page, credentials);
  const rows = await db
    .select()
    .from(credentials)
    .where(
      and(
        eq(credentials.storeId, storeId),
        eq(credentials.kind, kind),
        isNull(credentials.revokedAt),
        kind === "access_token" ? gt(credentials.expiresAt, nowIso()) : undefined,
        keyset.where,
      ),
    )
    .orderBy(...keyset.orderBy)
    .limit(keyset.limit);
  return { rows, page: keyset.page };
}

export async function listApiKeys(db: Db, storeId: string, page: PageRequest, secret: SecretSource): Promise<Page<ReturnType<typeof presentApiKey>>> {
  const live = await liveCredentials(db, storeId, "api_key", page, secret);
  return live.page(live.rows, presentApiKey);
}

/** Revokes one of the store's API keys; another store's key or an already revoked key is 404. */
export async function revokeApiKey(db: Db, principal: Pick<Principal, "kind" | "storeId">, keyId: string) {
  assertApiKey(principal);
  const storeId = principal.storeId;
  const [revoked] = await db
    .update(credentials)
    .set({ revokedAt: nowIso() })
    .where(
      and(
        eq(credentials.id, keyId),
        eq(credentials.storeId, storeId),
        eq(credentials.kind, "api_key"),
        isNull(credentials.revokedAt),
      ),
    )
    .returning({ id: credentials.id });
  if (!revoked) throw new ApiError("not_found", "API key not found");
  evictPrincipals((p) => p.credentialId === keyId);
}

/** The flask seed's app id + secret exchange: a fresh 24 h bearer token, hashed at rest. */
export async function issueAccessToken(db: Db, appId: string, appSecret: string) {
  const store = await db.query.stores.findFirst({ where: and(eq(stores.appId, appId), isNull(stores.deletedAt)) });
  const presented = await sha256Hex(appSecret);
  // Compare against a dummy hash when the app id is unknown so both failures take the same path.
  const ok = await timingSafeEqualStrings(presented, store?.appSecretHash ?? "0".repeat(64));
  if (!store || !ok) throw new ApiError("invalid_app_credentials");
  const now = nowIso();
  const token = newSecret("at");
  const row: CredentialRow = {
    id: newId("tok"),
    storeId: store.id,
    kind: "access_token",
    name: null,
    secretHash: await sha256Hex(token),
    displayPrefix: token.slice(0, 7),
    createdAt: now,
    expiresAt: addSeconds(now, ACCESS_TOKEN_TTL_SECONDS),
    lastUsedAt: null,
    revokedAt: null,
  };
  await db.insert(credentials).values(row);
  return { token, expiresAt: row.expiresAt! };
}

export function presentAccessToken(row: CredentialRow) {
  return {
    id: row.id,
    prefix: row.displayPrefix,
    created_at: row.createdAt,
    expires_at: row.expiresAt!,
    last_used_at: row.lastUsedAt,
  };
}

/** The store's live (unrevoked, unexpired) access tokens, newest first; never their secrets. */
export async function listAccessTokens(
  db: Db,
  storeId: string,
  page: PageRequest,
  secret: SecretSource,
): Promise<Page<ReturnType<typeof presentAccessToken>>> {
  const live = await liveCredentials(db, storeId, "access_token", page, secret);
  return live.page(live.rows, presentAccessToken);
}

/** Revokes one of the store's live access tokens at once (this isolate's cache too); otherwise 404. */
export async function revokeAccessToken(db: Db, storeId: string, tokenId: string) {
  const [revoked] = await db
    .update(credentials)
    .set({ revokedAt: nowIso() })
    .where(
      and(
        eq(credentials.id, tokenId),
        eq(credentials.storeId, storeId),
        eq(credentials.kind, "access_token"),
        isNull(credentials.revokedAt),
        gt(credentials.expiresAt, nowIso()),
      ),
    )
    .returning({ id: credentials.id });
  if (!revoked) throw new ApiError("not_found", "Access token not found");
  evictPrincipals((p) => p.credentialId === tokenId);
}

/**
 * Replaces the app secret (API key only) and revokes every access token of the store in the same
 * batch: they were all issued from the old secret. The new secret is returned only here.
 */
export async function rotateAppSecret(db: Db, principal: Pick<Principal, "kind" | "storeId">) {
  assertApiKey(principal);
  const storeId = principal.storeId;
  const appSecret = newSecret("as");
  const now = nowIso();
  const [rotated] = await db.batch([
    db
      .update(stores)
      .set({ appSecretHash: await sha256Hex(appSecret) })
      .where(and(eq(stores.id, storeId), isNull(stores.deletedAt)))
      .returning({ appId: stores.appId }),
    db
      .update(credentials)
      .set({ revokedAt: now })
      .where(
        and(
          eq(credentials.storeId, storeId),
          eq(credentials.kind, "access_token"),
          isNull(credentials.revokedAt),
          sql`EXISTS (SELECT 1 FROM ${stores} WHERE ${stores.id} = ${storeId} AND ${stores.deletedAt} IS NULL)`,
        ),
      ),
  ]);
  evictPrincipals((p) => p.storeId === storeId);
  const store = rotated[0];
  if (!store) throw new ApiError("not_found", "Store not found");
  return { appId: store.appId, appSecret };
}

/**
 * Resolves a bearer secret to its store: from the isolate's cache, else in one indexed read.
 * Revoked, expired and deleted-store credentials resolve to null.
 */
export async function authenticate(db: Db, secret: string): Promise<Principal | null> {
  if (!/^(sk|at)_[0-9A-Za-z]{32}$/.test(secret)) return null;
  const hash = await sha256Hex(secret);
  const cached = cachedPrincipal(hash);
  if (cached) return cached;
  const now = nowIso();
  const [found] = await db
    .select({ credential: credentials, store: stores })
    .from(credentials)
    .innerJoin(stores, eq(stores.id, credentials.storeId))
    .where(
      and(
        eq(credentials.secretHash, hash),
        isNull(credentials.revokedAt),
        or(isNull(credentials.expiresAt), gt(credentials.expiresAt, now)),
        isNull(stores.deletedAt),
      ),
    )
    .limit(1);
  if (!found) return null;
  const principal: Principal = {
    kind: found.credential.kind,
    storeId: found.store.id,
    credentialId: found.credential.id,
    store: found.store,
    lastUsedAt: found.credential.lastUsedAt,
  };
  cachePrincipal(hash, principal, found.credential.expiresAt);
  return principal;
}

export function needsLastUsedRefresh(lastUsedAt: string | null, now = Date.now()): boolean {
  return lastUsedAt === null || now - Date.parse(lastUsedAt) >= LAST_USED_RESOLUTION_MS;
}

/** Records use of a credential; the cached principal remembers it so the next minute skips the write. */
export async function touchCredential(db: Db, principal: Principal) {
  const now = nowIso();
  principal.lastUsedAt = now;
  await db.update(credentials).set({ lastUsedAt: now }).where(eq(credentials.id, principal.credentialId));
}

/** Deletes access tokens that expired more than a day ago (catch-up style, idempotent). */
export async function purgeExpiredAccessTokens(db: Db, now = Date.now()) {
  const cutoff = new Date(now - ACCESS_TOKEN_TTL_SECONDS * 1000).toISOString();
  await db
    .delete(credentials)
    .where(and(eq(credentials.kind, "access_token"), lt(credentials.expiresAt, cutoff)));
}

/** A condition other modules' queries can embed: the store named by `storeIdColumn` is not deleted. */
export function storeIsLive(storeIdColumn: SQLWrapper): SQL {
  return sql`EXISTS (SELECT 1 FROM ${stores} WHERE ${stores.id} = ${storeIdColumn} AND ${stores.deletedAt} IS NULL)`;
}

/** The live store's `require_email_confirmation` setting, read now; null when the store is gone. */
export async function storeRequiresEmailConfirmation(db: Db, storeId: string): Promise<boolean | null> {
  const [row] = await db
    .select({ required: stores.requireEmailConfirmation })
    .from(stores)
    .where(and(eq(stores.id, storeId), isNull(stores.deletedAt)))
    .limit(1);
  return row ? row.required : null;
}
