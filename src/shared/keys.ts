import { deriveKeyBytes } from "./crypto";

// Derived keys depend only on (secret, purpose); caching them per isolate saves an HKDF per request.
const cache = new Map<string, Promise<Uint8Array>>();

/** Purpose-bound key derived from the Worker's SIGNING_SECRET. */
export function purposeKey(secret: string, purpose: "cursor" | "idempotency" | "webhook" | "email"): Promise<Uint8Array> {
  const id = `${purpose}\u0000${secret}`;
  let key = cache.get(id);
  if (!key) {
    key = deriveKeyBytes(secret, purpose);
    cache.set(id, key);
  }
  return key;
}
