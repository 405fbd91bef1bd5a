import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../context";

/** Lookups of codes (gift cards, coupon codes) per store and caller per minute. */
export const CODE_ATTEMPT_LIMIT = 10;
export const CODE_WINDOW_SECONDS = 60;

export interface Decision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * One object per store holding every caller's window in its SQLite storage: exact (every isolate and
 * location asks the same object), and warm (one object per shopper would pay an object start-up on
 * almost every lookup; measured in docs/capacity.md). Each attempt is one synchronous upsert, so
 * parallel attempts serialize without an await between read and write. A window opens at a caller's
 * first attempt and lasts `windowSeconds`; attempts past the limit are refused and do not extend it.
 */
export class CodeLimiter extends DurableObject<Bindings> {
  private alarmArmed = false;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS windows (caller TEXT PRIMARY KEY, count INTEGER NOT NULL, started_at INTEGER NOT NULL)");
  }

  async attempt(caller: string, limit: number, windowSeconds: number): Promise<Decision> {
    const now = Date.now();
    const windowMs = windowSeconds * 1000;
    const row = this.ctx.storage.sql
      .exec<{ count: number; started_at: number }>(
        `INSERT INTO windows (caller, count, started_at) VALUES (?1, 1, ?2)
         ON CONFLICT (caller) DO UPDATE SET
           count = CASE WHEN started_at <= ?2 - ?3 THEN 1 ELSE count + 1 END,
           started_at = CASE WHEN started_at <= ?2 - ?3 THEN ?2 ELSE started_at END
         RETURNING count, started_at`,
        caller,
        now,
        windowMs,
      )
      .one();
    if (!this.alarmArmed) {
      this.alarmArmed = true;
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + windowMs);
    }
    if (row.count <= limit) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((row.started_at + windowMs - now) / 1000)) };
  }

  /** Drops ended windows once a minute while any are open, so an idle store's object holds nothing. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec("DELETE FROM windows WHERE started_at <= ?", now - CODE_WINDOW_SECONDS * 1000);
    const left = this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM windows").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(now + CODE_WINDOW_SECONDS * 1000);
    else this.alarmArmed = false;
  }
}

/** The only place that names CodeLimiter objects. */
export function codeLimiter(env: Pick<Bindings, "CODE_LIMITER">, storeId: string) {
  return env.CODE_LIMITER.get(env.CODE_LIMITER.idFromName(storeId));
}
