import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../context";

/** At most 5 login attempts per account (store + email) and client address per 15 minutes. */
export const LOGIN_ATTEMPT_LIMIT = 5;
/** At most 25 attempts per account across all addresses per 15 minutes, against distributed guessing. */
export const LOGIN_ACCOUNT_LIMIT = 25;
export const LOGIN_WINDOW_SECONDS = 15 * 60;
/** An address that logged in successfully is exempt from the account-wide ceiling for 30 days. */
export const TRUSTED_ADDRESS_SECONDS = 30 * 24 * 60 * 60;
const MAX_TRUSTED_ADDRESSES = 20;

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
 * (so parallel guesses cannot slip past the limit). A refused attempt does not extend the window.
 */
export function decideLoginAttempt(state: LimiterState | undefined, now: number, limit = LOGIN_ATTEMPT_LIMIT): AttemptDecision {
  const windowMs = LOGIN_WINDOW_SECONDS * 1000;
  const current = state && now < state.windowStartedAt + windowMs ? state : { attempts: 0, windowStartedAt: now };
  if (current.attempts >= limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((current.windowStartedAt + windowMs - now) / 1000));
    return { allowed: false, retryAfterSeconds, state: current };
  }
  return { allowed: true, retryAfterSeconds: 0, state: { attempts: current.attempts + 1, windowStartedAt: current.windowStartedAt } };
}

export { clientKey } from "../../shared/client-key";

const ACCOUNT = "account";
const TAG = "tag";
const addressKey = (client: string) => `addr:${client}`;
const trustedKey = (client: string) => `trusted:${client}`;

/**
 * One object per store + normalized email: exact counters shared by every isolate, per client address
 * and for the whole account. Storage calls with no other await between them run under the input
 * gate, so read-decide-write is atomic.
 */
export class LoginLimiter extends DurableObject<Bindings> {
  /**
   * Counts one attempt from `client`. `credentialTag` names the account's current password: when it
   * differs from the one stored (the password changed), every counter starts over.
   */
  async attempt(client: string, credentialTag: string): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const storage = this.ctx.storage;
    const now = Date.now();
    const tag = await storage.get<string>(TAG);
    if (tag !== undefined && tag !== credentialTag) await storage.deleteAll();
    const trustedUntil = await storage.get<number>(trustedKey(client));
    const perAddress = decideLoginAttempt(await storage.get<LimiterState>(addressKey(client)), now, LOGIN_ATTEMPT_LIMIT);
    const perAccount = decideLoginAttempt(await storage.get<LimiterState>(ACCOUNT), now, LOGIN_ACCOUNT_LIMIT);
    const trusted = trustedUntil !== undefined && trustedUntil > now;
    if (!perAddress.allowed) return { allowed: false, retryAfterSeconds: perAddress.retryAfterSeconds };
    if (!perAccount.allowed && !trusted) return { allowed: false, retryAfterSeconds: perAccount.retryAfterSeconds };
    await storage.put({ [TAG]: credentialTag, [addressKey(client)]: perAddress.state, [ACCOUNT]: perAccount.state });
    await this.scheduleCleanup(Math.min(perAddress.state.windowStartedAt, perAccount.state.windowStartedAt) + LOGIN_WINDOW_SECONDS * 1000);
    return { allowed: true, retryAfterSeconds: 0 };
  }

  /** A correct password from `client`: its own counter restarts and it joins the trusted addresses. */
  async succeeded(client: string): Promise<void> {
    const storage = this.ctx.storage;
    await storage.delete(addressKey(client));
    await storage.put(trustedKey(client), Date.now() + TRUSTED_ADDRESS_SECONDS * 1000);
    const trusted = [...(await storage.list<number>({ prefix: "trusted:" }))].sort((a, b) => b[1] - a[1]);
    if (trusted.length > MAX_TRUSTED_ADDRESSES) await storage.delete(trusted.slice(MAX_TRUSTED_ADDRESSES).map(([key]) => key));
    await this.scheduleCleanup(Date.now() + TRUSTED_ADDRESS_SECONDS * 1000);
  }

  /** The store's back end unlocks the account: every counter and trusted address is dropped. */
  async unlock(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Drops ended windows and expired trusted addresses, so idle objects hold no storage. */
  override async alarm(): Promise<void> {
    const storage = this.ctx.storage;
    const now = Date.now();
    const windowMs = LOGIN_WINDOW_SECONDS * 1000;
    let next = Infinity;
    const expired: string[] = [];
    for (const [key, value] of await storage.list()) {
      if (key === TAG) continue;
      const end = typeof value === "number" ? value : (value as LimiterState).windowStartedAt + windowMs;
      if (end <= now) expired.push(key);
      else next = Math.min(next, end);
    }
    if (next === Infinity) {
      await storage.deleteAll();
      return;
    }
    if (expired.length > 0) await storage.delete(expired);
    await storage.setAlarm(next);
  }

  private async scheduleCleanup(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

/** The only place that names LoginLimiter objects. */
export function loginLimiter(env: Pick<Bindings, "LOGIN_LIMITER">, storeId: string, emailNormalized: string) {
  return env.LOGIN_LIMITER.get(env.LOGIN_LIMITER.idFromName(`${storeId}\u0000${emailNormalized}`));
}
