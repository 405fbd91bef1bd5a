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

/**
 * JSON with object keys sorted at every level, so key order and whitespace never change a hash.
 * Iterative (an explicit work stack), so no value is too deep to fingerprint.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const work: Array<{ text: string } | { value: unknown }> = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ("text" in item) {
      out.push(item.text);
      continue;
    }
    const current = item.value;
    if (Array.isArray(current)) {
      work.push({ text: "]" });
      for (let i = current.length - 1; i >= 0; i--) {
        work.push({ value: current[i] });
        if (i > 0) work.push({ text: "," });
      }
      work.push({ text: "[" });
    } else if (current !== null && typeof current === "object") {
      const entries = Object.entries(current as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      work.push({ text: "}" });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        work.push({ value: child });
        work.push({ text: `${i > 0 ? "," : ""}${JSON.stringify(key)}:` });
      }
      work.push({ text: "{" });
    } else {
      out.push(JSON.stringify(current) ?? "null");
    }
  }
  return out.join("");
}

/** SHA-256 of method, path and canonical body: what "the same request" means for an Idempotency-Key. */
export function requestFingerprint(method: string, path: string, body: unknown): Promise<string> {
  return sha256Hex(`${method.toUpperCase()} ${path}\n${canonicalJson(body)}`);
}
