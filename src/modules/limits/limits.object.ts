import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../context";

/** Lookups of secret-ish codes (gift cards, coupon codes) per store and caller per minute. */
export const CODE_ATTEMPT_LIMIT = 10;
export const CODE_WINDOW_SECONDS = 60;

interface Window {
  count: number;
  startedAt: number;
}

export interface Decision {
  allowed: boolean;
  retryAfterSeconds: number;
  remaining: number;
}

/** A fixed window that opens at the first attempt; a refused attempt neither counts nor extends it. */
export function decideAttempt(window: Window | undefined, now: number, limit: number, windowSeconds: number): { decision: Decision; next: Window } {
  const windowMs = windowSeconds * 1000;
  const current = window && now < window.startedAt + windowMs ? window : { count: 0, startedAt: now };
  if (current.count >= limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((current.startedAt + windowMs - now) / 1000));
    return { decision: { allowed: false, retryAfterSeconds, remaining: 0 }, next: current };
  }
  const next = { count: current.count + 1, startedAt: current.startedAt };
  return { decision: { allowed: true, retryAfterSeconds: 0, remaining: limit - next.count }, next };
}

const WINDOW = "window";

/**
 * One object per store + caller: an exact counter shared by every isolate (the rate-limit binding is
 * approximate and per location, which lets a guesser through). The read, decision and write run
 * without another await between them, under the object's input gate, so parallel attempts serialize.
 */
export class CodeLimiter extends DurableObject<Bindings> {
  async attempt(limit: number, windowSeconds: number): Promise<Decision> {
    const now = Date.now();
    const { decision, next } = decideAttempt(await this.ctx.storage.get<Window>(WINDOW), now, limit, windowSeconds);
    if (decision.allowed) {
      await this.ctx.storage.put(WINDOW, next);
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(next.startedAt + windowSeconds * 1000);
    }
    return decision;
  }

  /** An idle object keeps no storage. */
  override async alarm(): Promise<void> {
    const window = await this.ctx.storage.get<Window>(WINDOW);
    const end = window ? window.startedAt + CODE_WINDOW_SECONDS * 1000 : 0;
    if (end > Date.now()) await this.ctx.storage.setAlarm(end);
    else await this.ctx.storage.deleteAll();
  }
}

/** The only place that names CodeLimiter objects. */
export function codeLimiter(env: Pick<Bindings, "CODE_LIMITER">, storeId: string, caller: string) {
  return env.CODE_LIMITER.get(env.CODE_LIMITER.idFromName(`${storeId}\u0000${caller}`));
}
