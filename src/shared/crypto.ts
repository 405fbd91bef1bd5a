const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Crypto-random bytes drawn from a per-isolate pool refilled by one `getRandomValues` call per
 * 4 KiB: the call's fixed cost showed in every request's CPU profile (request ids, entity ids, codes).
 */
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;

function randomByte(): number {
  if (poolAt === POOL_BYTES) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const byte = pool[poolAt]!;
  pool[poolAt++] = 0;
  return byte;
}

/** Uniformly random base62 string from the platform CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    const byte = randomByte();
    // 248 = 4 x 62: bytes above it are skipped so every symbol is equally likely.
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const byte of view) out += byte.toString(16).padStart(2, "0");
  return out;
}

export function base64UrlEncode(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url; returns null for anything that is not base64url. */
export function base64UrlDecode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  try {
    const binary = atob(padded);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export const utf8 = {
  encode: (text: string) => encoder.encode(text),
  decode: (bytes: Uint8Array) => decoder.decode(bytes),
};

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Constant-time comparison of two byte arrays (length is not secret). */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Constant-time string comparison: both sides are hashed first so lengths leak nothing. */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

/** Derives a purpose-bound 256-bit key from the master secret with HKDF-SHA256. */
export async function deriveKeyBytes(secret: string, purpose: string): Promise<Uint8Array> {
  const master = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("edgeshop"), info: encoder.encode(purpose) },
    master,
    256,
  );
  return new Uint8Array(bits);
}

// The derived key bytes are the same object for the life of the isolate (keys.ts caches them), so the
// imported CryptoKey is too: importKey was a visible slice of a list page's CPU profile.
const hmacKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

export async function hmacSha256(keyBytes: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  let key = hmacKeys.get(keyBytes);
  if (!key) {
    key = crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(keyBytes, key);
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", await key, data));
}

/** AES-256-GCM encryption; output is iv (12 bytes) followed by ciphertext. */
export async function aesGcmEncrypt(keyBytes: Uint8Array, plaintext: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(plaintext)));
  const out = new Uint8Array(iv.length + cipher.length);
  out.set(iv);
  out.set(cipher, iv.length);
  return base64UrlEncode(out);
}

export async function aesGcmDecrypt(keyBytes: Uint8Array, payload: string): Promise<string> {
  const bytes = base64UrlDecode(payload);
  if (!bytes || bytes.length < 13) throw new Error("ciphertext is malformed");
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, key, bytes.slice(12));
  return decoder.decode(plain);
}

/**
 * Production Workers reject PBKDF2 above 100,000 iterations (local workerd does not), so this is
 * the ceiling and the default. Tests pin it.
 */
export const PBKDF2_MAX_ITERATIONS = 100_000;

/** Hashes a password as `pbkdf2_sha256$<iterations>$<salt b64url>$<hash b64url>`. */
export async function hashPassword(password: string, iterations = PBKDF2_MAX_ITERATIONS): Promise<string> {
  if (iterations > PBKDF2_MAX_ITERATIONS) throw new Error("PBKDF2 iterations above the Workers limit");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, iterations);
  return `pbkdf2_sha256$${iterations}$${base64UrlEncode(salt)}$${base64UrlEncode(hash)}`;
}

/** Verifies a password against a stored hash in constant time; malformed hashes never verify. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterText);
  if (scheme !== "pbkdf2_sha256" || !Number.isInteger(iterations) || iterations < 1) return false;
  if (iterations > PBKDF2_MAX_ITERATIONS) return false;
  const salt = base64UrlDecode(saltText ?? "");
  const expected = base64UrlDecode(hashText ?? "");
  if (!salt || !expected) return false;
  const actual = await pbkdf2(password, salt, iterations);
  return timingSafeEqualBytes(actual, expected);
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}
