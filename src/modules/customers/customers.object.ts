import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../context";

/** At most 5 login attempts per store + email per 15 minutes; a successful login resets the count. */
export const LOGIN_ATTEMPT_LIMIT = 5;
export const LOGIN_WINDOW_SECONDS = 15 * 60;

export interface LimiterState {
  attempts: number;
  windowStartedAt: number;
}

export interface AttemptDecision {
  allowed: boolean;
  retryAfterSeconds: number;
  state: LimiterState;
}

/**
 * Fixed window that opens at the first attempt. Attempts are counted before the password is checked
 * (so parallel guesses cannot slip past the limit); success resets through `reset()`. A refused
 * attempt does not extend the window.
 */
export function decideLoginAttempt(state: LimiterState | undefined, now: number): AttemptDecision {
  const windowMs = LOGIN_WINDOW_SECONDS * 1000;
  const current = state && now < state.windowStartedAt + windowMs ? state : { attempts: 0, windowStartedAt: now };
  if (current.attempts >= LOGIN_ATTEMPT_LIMIT) {
    const retryAfterSeconds = Math.max(1, Math.ceil((current.windowStartedAt + windowMs - now) / 1000));
    return { allowed: false, retryAfterSeconds, state: current };
  }
  return { allowed: true, retryAfterSeconds: 0, state: { attempts: current.attempts + 1, windowStartedAt: current.windowStartedAt } };
}

/**
 * One object per store + normalized email: an exact counter shared by every isolate. Storage calls
 * with no other await between them run under the input gate, so read-decide-write is atomic.
 */
export class LoginLimiter extends DurableObject<Bindings> {
  async attempt(): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const decision = decideLoginAttempt(await this.ctx.storage.get<LimiterState>("state"), Date.now());
    if (decision.allowed) {
      await this.ctx.storage.put("state", decision.state);
      await this.ctx.storage.setAlarm(decision.state.windowStartedAt + LOGIN_WINDOW_SECONDS * 1000);
    }
    return { allowed: decision.allowed, retryAfterSeconds: decision.retryAfterSeconds };
  }

  async reset(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** The window is over: drop the state so idle objects hold no storage. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

/** The only place that names LoginLimiter objects. */
export function loginLimiter(env: Pick<Bindings, "LOGIN_LIMITER">, storeId: string, emailNormalized: string) {
  return env.LOGIN_LIMITER.get(env.LOGIN_LIMITER.idFromName(`${storeId}\u0000${emailNormalized}`));
}
