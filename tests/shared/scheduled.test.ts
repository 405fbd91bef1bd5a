import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { SCHEDULE } from "../../src/scheduled";
import { OPERATOR, call, createStore, entry, unique } from "../helpers";

describe("cron: 17 * * * *", () => {
  it("is declared in wrangler.toml's crons and the lookup table alike", () => {
    expect(Object.keys(SCHEDULE)).toEqual(["* * * * *", "17 * * * *"]);
  });

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

  it("runs through the real Worker entry", async () => {
    const result = await entry().scheduled({ cron: "17 * * * *", scheduledTime: new Date() });
    expect(result.outcome).toBe("ok");
  });
});
