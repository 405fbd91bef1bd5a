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
