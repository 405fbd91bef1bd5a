import { describe, expect, it } from "vitest";
import { PRINCIPAL_TTL_MS, cachePrincipal, cachedPrincipal, evictPrincipals } from "../../src/modules/stores/stores.cache";
import type { Principal } from "../../src/modules/stores";

function principal(storeId: string, credentialId: string): Principal {
  return { kind: "api_key", storeId, credentialId, store: {} as Principal["store"], lastUsedAt: null };
}

describe("principal cache", () => {
  it("serves an entry for at most the TTL", () => {
    const now = 1_000_000;
    cachePrincipal("h1", principal("store_a", "key_1"), null, now);
    expect(cachedPrincipal("h1", now + PRINCIPAL_TTL_MS - 1)?.credentialId).toBe("key_1");
    expect(cachedPrincipal("h1", now + PRINCIPAL_TTL_MS)).toBeNull();
  });

  it("never outlives an access token's expiry", () => {
    const now = 2_000_000;
    cachePrincipal("h2", principal("store_a", "tok_1"), new Date(now + 500).toISOString(), now);
    expect(cachedPrincipal("h2", now + 499)).not.toBeNull();
    expect(cachedPrincipal("h2", now + 500)).toBeNull();
    cachePrincipal("h3", principal("store_a", "tok_2"), new Date(now - 1).toISOString(), now);
    expect(cachedPrincipal("h3", now)).toBeNull();
  });

  it("evicts by credential or store", () => {
    const now = Date.now();
    cachePrincipal("h4", principal("store_b", "key_4"), null, now);
    cachePrincipal("h5", principal("store_b", "key_5"), null, now);
    cachePrincipal("h6", principal("store_c", "key_6"), null, now);
    evictPrincipals((p) => p.credentialId === "key_4");
    expect(cachedPrincipal("h4", now)).toBeNull();
    expect(cachedPrincipal("h5", now)).not.toBeNull();
    evictPrincipals((p) => p.storeId === "store_b");
    expect(cachedPrincipal("h5", now)).toBeNull();
    expect(cachedPrincipal("h6", now)?.storeId).toBe("store_c");
  });
});
