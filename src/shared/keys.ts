import { aesGcmDecrypt, deriveKeyBytes } from "./crypto";

export type KeyPurpose = "cursor" | "idempotency" | "webhook" | "email" | "coupon";

/**
 * The Worker's signing secret and, while a rotation settles, the one it replaced
 * (`SIGNING_SECRET_PREVIOUS`): new data is sealed and signed with the current secret only, and
 * data from the last 24 h (idempotent responses, cursors, queued emails) still opens with the
 * previous one. The Worker's bindings satisfy this type.
 */
export interface SigningSecrets {
  SIGNING_SECRET: string;
  SIGNING_SECRET_PREVIOUS?: string | undefined;
}

/** A bare secret (no rotation), or the bindings holding the current and previous secrets. */
export type SecretSource = string | SigningSecrets;

/** The secret that seals and signs new data. */
export function currentSecret(source: SecretSource): string {
  return typeof source === "string" ? source : source.SIGNING_SECRET;
}

/** Secrets accepted when opening or verifying: the current one first, then the previous one if set. */
export function acceptedSecrets(source: SecretSource): string[] {
  if (typeof source === "string") return [source];
  const previous = source.SIGNING_SECRET_PREVIOUS;
  return previous && previous !== source.SIGNING_SECRET ? [source.SIGNING_SECRET, previous] : [source.SIGNING_SECRET];
}

// Derived keys depend only on (secret, purpose); caching them per isolate saves an HKDF per request.
const cache = new Map<string, Promise<Uint8Array>>();

/** Purpose-bound key derived from the Worker's SIGNING_SECRET. */
export function purposeKey(secret: string, purpose: KeyPurpose): Promise<Uint8Array> {
  const id = `${purpose}\u0000${secret}`;
  let key = cache.get(id);
  if (!key) {
    key = deriveKeyBytes(secret, purpose);
    cache.set(id, key);
  }
  return key;
}

/** Thrown when a ciphertext opens with none of the accepted secrets. */
export class UndecryptableError extends Error {
  constructor() {
    super("ciphertext opens with neither the current nor the previous signing secret");
    this.name = "UndecryptableError";
  }
}

/** AES-GCM decryption with the current secret, then the previous one; `UndecryptableError` if neither opens it. */
export async function decryptWithRotation(source: SecretSource, purpose: KeyPurpose, ciphertext: string): Promise<string> {
  for (const secret of acceptedSecrets(source)) {
    try {
      return await aesGcmDecrypt(await purposeKey(secret, purpose), ciphertext);
    } catch {
      // Wrong key (authentication failed) or malformed: try the next secret.
    }
  }
  throw new UndecryptableError();
}
