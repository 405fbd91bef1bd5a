import type { Bindings } from "../../context";
import { ApiError } from "../../shared/errors";
import { clientKey } from "../../shared/client-key";
import { CODE_ATTEMPT_LIMIT, CODE_WINDOW_SECONDS, codeLimiter } from "./limits.object";

/**
 * Counts one code lookup (gift card lookup, coupon validation) by `caller` in the store, and refuses
 * the 11th in a minute with 429 `rate_limited` and `Retry-After`. Counted before the code is looked
 * at, so parallel guesses cannot slip past the limit.
 */
export async function takeCodeAttempt(env: Pick<Bindings, "CODE_LIMITER">, storeId: string, caller: string): Promise<void> {
  const decision = await codeLimiter(env, storeId).attempt(caller, CODE_ATTEMPT_LIMIT, CODE_WINDOW_SECONDS);
  if (!decision.allowed) {
    throw new ApiError("rate_limited", `At most ${CODE_ATTEMPT_LIMIT} code lookups a minute; try again later`, {
      headers: { "Retry-After": String(decision.retryAfterSeconds) },
    });
  }
}

/** Who is counted: the credential and the client address it calls from (IPv6 per /64). */
export function codeCaller(credentialId: string, clientAddress: string | undefined): string {
  return `${credentialId}\u0000${clientKey(clientAddress)}`;
}
