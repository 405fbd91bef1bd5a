import { sha256Hex } from "./crypto";
import { ApiError } from "./errors";

const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,255}$/;

/** Reads `Idempotency-Key`: 1-255 printable ASCII characters, or absent. */
export function parseIdempotencyKey(header: string | undefined, required: boolean): string | null {
  if (header === undefined || header === "") {
    if (required) throw new ApiError("idempotency_key_missing");
    return null;
  }
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new ApiError("invalid_idempotency_key", "Idempotency-Key must be 1-255 printable ASCII characters");
  }
  return header;
}

/** JSON with object keys sorted at every level, so key order and whitespace never change a hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** SHA-256 of method, path and canonical body: what "the same request" means for an Idempotency-Key. */
export function requestFingerprint(method: string, path: string, body: unknown): Promise<string> {
  return sha256Hex(`${method.toUpperCase()} ${path}\n${canonicalJson(body)}`);
}
