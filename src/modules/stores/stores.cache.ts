import type { StoreRow } from "./stores.tables";

/** An authenticated store credential (API key or access token) and its store. */
export interface Principal {
  kind: "api_key" | "access_token";
  storeId: string;
  credentialId: string;
  /** The store's row when the credential was resolved: may be up to 10 s old, fine for defaults. */
  store: StoreRow;
  lastUsedAt: string | null;
}

/**
 * Per-isolate cache of resolved credentials, keyed by the secret's SHA-256. Authentication is
 * otherwise one D1 read on every request, which costs more than the work of most routes.
 *
 * Consistency: revoking a key, deleting or updating a store evicts the entries in the isolate that
 * did it at once; other isolates keep an entry for at most PRINCIPAL_TTL_MS. An access token's
 * entry never outlives the token. Failed lookups are never cached.
 */
export const PRINCIPAL_TTL_MS = 10_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  principal: Principal;
  until: number;
}

const entries = new Map<string, Entry>();

export function cachedPrincipal(secretHash: string, now = Date.now()): Principal | null {
  const entry = entries.get(secretHash);
  if (!entry) return null;
  if (entry.until <= now) {
    entries.delete(secretHash);
    return null;
  }
  return entry.principal;
}

export function cachePrincipal(secretHash: string, principal: Principal, expiresAt: string | null, now = Date.now()) {
  const until = Math.min(now + PRINCIPAL_TTL_MS, expiresAt ? Date.parse(expiresAt) : Infinity);
  if (until <= now) return;
  if (entries.size >= MAX_ENTRIES) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  entries.set(secretHash, { principal, until });
}

/** Evicts every cached credential matching the predicate (at most MAX_ENTRIES to scan). */
export function evictPrincipals(match: (principal: Principal) => boolean) {
  for (const [hash, entry] of entries) if (match(entry.principal)) entries.delete(hash);
}
