/// <reference types="vite/client" />
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { SCHEDULE } from "../../src/scheduled";
import { OPERATOR, call, createStore, entry, unique } from "../helpers";
import wranglerToml from "../../wrangler.toml?raw";

/** The `crons` of wrangler.toml's `[triggers]` table (the schedule Cloudflare actually runs). */
function configuredCrons(toml: string): string[] {
  // Drops comments but keeps a "#" inside a quoted string (cron's nth-weekday syntax, e.g. "0 9 * * 1#2").
  const lines = toml.split("\n").map((line) => line.replace(/^((?:[^#"']|"[^"]*"|'[^']*')*)#.*$/, "$1").trim());
  const start = lines.indexOf("[triggers]");
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.startsWith("["));
  const table = lines.slice(start + 1, end < 0 ? undefined : end).join(" ");
  const array = /\bcrons\s*=\s*\[([^\]]*)\]/.exec(table);
  return array ? [...array[1]!.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]!) : [];
}

const CRONS = configuredCrons(wranglerToml);

describe("cron triggers", () => {
  it("reads the crons from wrangler.toml", () => {
    expect(configuredCrons('[vars]\nA = "b"\n\n[triggers]\n# hourly\ncrons = [\n  "17 * * * *", # purge\n  "0 9 * * 1#2"\n]\n')).toEqual(["17 * * * *", "0 9 * * 1#2"]);
    expect(CRONS.length).toBeGreaterThan(0);
  });

  it("has jobs in SCHEDULE for every configured cron, and no job on a cron Cloudflare never fires", () => {
    for (const cron of CRONS) expect(SCHEDULE[cron]?.length ?? 0, `jobs for "${cron}"`).toBeGreaterThan(0);
    expect(Object.keys(SCHEDULE).sort()).toEqual([...CRONS].sort());
  });

  it.each(CRONS)("runs %s through the real Worker entry", async (cron) => {
    const result = await entry().scheduled({ cron, scheduledTime: new Date() });
    expect(result.outcome).toBe("ok");
  });
});

describe("cron: 17 * * * *", () => {
  it("purges idempotency records past retention and long-expired access tokens, and nothing else", async () => {
    const store = await createStore();
    const keep = unique("keep");
    const drop = unique("drop");
    for (const key of [keep, drop]) {
      await call("POST", "/v1/stores", { token: OPERATOR, body: { name: key, currency: "USD" }, headers: { "Idempotency-Key": key } });
    }
    const token = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    const fresh = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    const longAgo = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString();
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM idempotency_keys").first<{ n: number }>();
    // Age one idempotency record and one token past their retention.
    await env.DB.batch([
      env.DB.prepare("UPDATE idempotency_keys SET expires_at = ? WHERE rowid = (SELECT MAX(rowid) FROM idempotency_keys)").bind(longAgo),
      env.DB.prepare("UPDATE credentials SET expires_at = ? WHERE kind = 'access_token' AND store_id = ? AND display_prefix = ?")
        .bind(longAgo, store.id, token.body.access_token.slice(0, 7)),
    ]);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);

    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM idempotency_keys").first<{ n: number }>();
    expect(after!.n).toBe(before!.n - 1);
    const tokens = await env.DB.prepare("SELECT COUNT(*) AS n FROM credentials WHERE kind = 'access_token' AND store_id = ?")
      .bind(store.id)
      .first<{ n: number }>();
    expect(tokens!.n).toBe(1);
    expect((await call("GET", "/v1/store", { token: fresh.body.access_token })).status).toBe(200);
  });
});
