import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expireOldDrafts } from "../../src/modules/orders";
import { JOBS, runScheduled } from "../../src/scheduled";
import { unique } from "../helpers";
import { OPERATOR, call, createStore, expectProblem } from "../helpers";

const CRONS = [...new Set(JOBS.map((j) => j.cron))];

async function snapshot() {
  const tables = ["gift_cards", "gift_card_ledger", "customer_credits", "coupon_codes", "carts", "events", "idempotency_keys", "credentials", "customer_sessions"];
  const results = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM ${t} ORDER BY rowid`)));
  return JSON.stringify(results.map((r) => r.results));
}

describe("the cron registry", () => {
  it("every job run twice in a row changes nothing the second time, and each run is recorded", async () => {
    const store = await createStore();
    const card = await call("POST", "/v1/gift-cards", { token: store.key, body: { amount_cents: 900, expires_at: "2099-01-01T00:00:00Z" } });
    await env.DB.prepare("UPDATE gift_cards SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(card.body.id).run();
    const cart = await call("POST", "/v1/carts", { token: store.key, body: {} });
    await env.DB.prepare("UPDATE carts SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(cart.body.id).run();

    for (const cron of CRONS) await runScheduled(cron, env as never);
    expect((await call("GET", `/v1/gift-cards/${card.body.id}`, { token: store.key })).body.state).toBe("expired");
    const row = await env.DB.prepare("SELECT state, expires_at FROM carts WHERE id = ?").bind(cart.body.id).first<{ state: string; expires_at: string }>();
    expect(row).toMatchObject({ state: "open" }); // the object says it is alive: the row learns its real expiry
    expect(Date.parse(row!.expires_at)).toBeGreaterThan(Date.now());

    const before = await snapshot();
    for (const cron of CRONS) await runScheduled(cron, env as never);
    expect(await snapshot()).toBe(before);

    const jobs = await call("GET", "/v1/admin/jobs", { token: OPERATOR });
    expect(jobs.status).toBe(200);
    expect(jobs.body.data.map((j: { name: string }) => j.name)).toEqual(JOBS.map((j) => j.name));
    for (const job of jobs.body.data) {
      expect(job.last_run, job.name).not.toBeNull();
      expect(job.last_run.error, job.name).toBeNull();
      expect(Object.values(job.last_run.counts).every((n) => n === 0), `${job.name} second run: ${JSON.stringify(job.last_run.counts)}`).toBe(true);
    }
    const runs = await env.DB.prepare("SELECT job, COUNT(*) AS n FROM job_runs GROUP BY job").all<{ job: string; n: number }>();
    expect(runs.results.every((r) => r.n >= 2)).toBe(true);
    expectProblem(await call("GET", "/v1/admin/jobs", { token: store.key }), 401, "unauthenticated");
  });

  it("records a failing job's error and still runs the others", async () => {
    const failing = { ...env, DB: env.DB, EVENTS: { send: () => Promise.reject(new Error("down")), sendBatch: () => Promise.reject(new Error("queue down")) } };
    await env.DB.prepare("INSERT INTO events (id, store_id, type, resource_type, resource_id, created_at, data) VALUES ('evt_stuck1', 'store_x', 't', 'r', 'r1', '2020-01-01T00:00:00.000Z', '{}')").run();
    await expect(runScheduled("* * * * *", failing as never)).rejects.toThrow(/cron jobs failed/);
    const jobs = await call("GET", "/v1/admin/jobs", { token: OPERATOR });
    const republish = jobs.body.data.find((j: { name: string }) => j.name === "events.republish");
    expect(republish.last_run.error).toMatch(/queue down/);
    expect(jobs.body.data.find((j: { name: string }) => j.name === "emails.resend_stranded").last_run.error).toBeNull();
  });

  it("cancels drafts older than the store's draft_expiry_days (reason expired), once", async () => {
    const store = await createStore({ draft_expiry_days: 7 });
    const keep = await createStore();
    const draft = async (key: string) =>
      (await call("POST", "/v1/orders", { token: key, headers: { "Idempotency-Key": unique("o") }, body: { currency: "USD", lines: [{ title: "Custom", unit_price_cents: 100, quantity: 1 }] } })).body.id as string;
    const [old, fresh, elsewhere] = [await draft(store.key), await draft(store.key), await draft(keep.key)];
    for (const [storeId, orderId] of [[store.id, old], [keep.id, elsewhere]] as const) {
      const stub = env.ORDER_STREAM.get(env.ORDER_STREAM.idFromName(storeId));
      await runInDurableObject(stub, (_instance, state) => {
        state.storage.sql.exec("UPDATE orders SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = ?", orderId);
      });
    }
    expect((await expireOldDrafts(env)).expired).toBeGreaterThanOrEqual(1);
    const canceled = await call("GET", `/v1/orders/${old}`, { token: store.key });
    expect(canceled.body).toMatchObject({ status: "canceled", cancellation_reason: "expired" });
    expect((await call("GET", `/v1/orders/${fresh}`, { token: store.key })).body.status).toBe("draft");
    expect((await call("GET", `/v1/orders/${elsewhere}`, { token: keep.key })).body.status).toBe("draft");
    expect((await expireOldDrafts(env)).expired).toBe(0);
  });
});
