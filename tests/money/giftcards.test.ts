import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/context";
import { createDb } from "../../src/db/client";
import { planGiftCardDraw, planGiftCardReversal } from "../../src/modules/giftcards";
import { issueGiftCard, presentGiftCard } from "../../src/modules/giftcards/giftcards.service";
import { once } from "../../src/modules/idempotency";
import { jsonBody } from "../../src/shared/http";
import { call, createStore, expectProblem, unique } from "../helpers";
import { attempt, createCustomer, eventTypes, tally } from "./support";

async function issue(key: string, body: Record<string, unknown> = { amount_cents: 500 }, headers: Record<string, string> = {}) {
  return call("POST", "/v1/gift-cards", { token: key, body, headers });
}

async function lookup(key: string, code: string, ip: string) {
  const res = await exports.default.fetch(
    new Request("http://edgeshop.test/v1/gift-cards/lookup", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "CF-Connecting-IP": ip },
      body: JSON.stringify({ code }),
    }),
  );
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("gift cards", () => {
  it("shows the code once, stores only its hash, and looks it up however it is typed", async () => {
    const store = await createStore();
    const created = await issue(store.key, { amount_cents: 2500, note: "Happy birthday" });
    expect(created.status).toBe(201);
    expect(created.headers.get("Cache-Control")).toBe("no-store");
    const code = created.body.code as string;
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);
    expect(created.body).toMatchObject({ balance_cents: 2500, initial_amount_cents: 2500, state: "active", last4: code.slice(-4), currency: "USD" });
    const read = await call("GET", `/v1/gift-cards/${created.body.id}`, { token: store.key });
    expect(read.body.code).toBeUndefined();
    expect(read.body.ledger).toEqual([expect.objectContaining({ kind: "issue", amount_cents: 2500, balance_after_cents: 2500 })]);
    const row = await env.DB.prepare("SELECT * FROM gift_cards WHERE id = ?").bind(created.body.id).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(code.replaceAll("-", ""));
    const found = await lookup(store.key, code.toLowerCase().replaceAll("-", " "), "203.0.113.1");
    expect(found.status).toBe(200);
    expect(JSON.parse(found.text)).toMatchObject({ id: created.body.id, balance_cents: 2500, last4: code.slice(-4) });
  });

  it("answers unknown, voided, expired and empty cards with one identical body, and the 11th lookup a minute with 429", async () => {
    const store = await createStore();
    const voided = await issue(store.key);
    expect((await call("POST", `/v1/gift-cards/${voided.body.id}/void`, { token: store.key })).body).toMatchObject({ state: "voided", balance_cents: 0 });
    expectProblem(await call("POST", `/v1/gift-cards/${voided.body.id}/void`, { token: store.key }), 409, "invalid_transition");
    const expired = await issue(store.key);
    await env.DB.prepare("UPDATE gift_cards SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(expired.body.id).run();
    const empty = await issue(store.key, { amount_cents: 100 });
    expect((await attempt(store.id, () => planGiftCardDraw(createDb(env.DB), store.id, { giftCardId: empty.body.id, maxCents: 100, currency: "USD", reference: "ord_1" }))).outcome).toBe("ok");
    const ip = "198.51.100.7";
    const bodies = new Set<string>();
    for (const code of ["AAAA-BBBB-CCCC-DDDD", voided.body.code, expired.body.code, empty.body.code]) {
      const res = await lookup(store.key, code, ip);
      expect(res.status).toBe(404);
      bodies.add(res.text.replace(/"request_id":"[^"]+"/, ""));
    }
    expect(bodies.size).toBe(1);
    for (let i = 4; i < 10; i++) expect((await lookup(store.key, "AAAA-BBBB-CCCC-DDDD", ip)).status).toBe(404);
    const limited = await lookup(store.key, voided.body.code, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Another caller (address) still has its own budget.
    expect((await lookup(store.key, "AAAA-BBBB-CCCC-DDDD", "198.51.100.8")).status).toBe(404);
  });

  it("10 concurrent draws of 100 from a card of 500: exactly 5 succeed, balance 0, spends sum to 500", async () => {
    const store = await createStore();
    const card = await issue(store.key, { amount_cents: 500 });
    const db = createDb(env.DB);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        attempt(store.id, () => planGiftCardDraw(db, store.id, { giftCardId: card.body.id, maxCents: 100, currency: "USD", reference: `ord_${i}` })),
      ),
    );
    expect(tally(outcomes).ok).toBe(5);
    const row = await env.DB.prepare("SELECT balance_cents FROM gift_cards WHERE id = ?").bind(card.body.id).first<{ balance_cents: number }>();
    expect(row!.balance_cents).toBe(0);
    const spent = await env.DB.prepare("SELECT SUM(amount_cents) AS s, COUNT(*) AS n FROM gift_card_ledger WHERE gift_card_id = ? AND kind = 'spend'").bind(card.body.id).first<{ s: number; n: number }>();
    expect(spent).toEqual({ s: 500, n: 5 });
    const detail = await call("GET", `/v1/gift-cards/${card.body.id}`, { token: store.key });
    expect(detail.body.state).toBe("depleted");
    // Entries written in the same millisecond order by id; the balances after each are all there.
    const after = detail.body.ledger.map((e: { balance_after_cents: number }) => e.balance_after_cents);
    expect(after.sort((a: number, b: number) => a - b)).toEqual([0, 100, 200, 300, 400, 500]);
    const types = await eventTypes(store.id);
    expect(types.filter((t) => t === "gift_card.spent")).toHaveLength(5);
    expect(types).toContain("gift_card.issued");
  });

  it("draws at most the balance, and reversals never give back more than a spend drew", async () => {
    const store = await createStore();
    const card = await issue(store.key, { amount_cents: 300 });
    const db = createDb(env.DB);
    const draw = await attempt(store.id, () => planGiftCardDraw(db, store.id, { giftCardId: card.body.id, maxCents: 1000, currency: "USD", reference: "ord_a" }));
    expect(draw.result!.amountCents).toBe(300);
    expect((await attempt(store.id, () => planGiftCardDraw(db, store.id, { giftCardId: card.body.id, maxCents: 1, currency: "EUR", reference: "x" }))).outcome).toBe("code_not_applicable");
    const ledgerEntryId = draw.result!.ledgerEntryId;
    const reverse = (amountCents: number) => attempt(store.id, () => planGiftCardReversal(db, store.id, { ledgerEntryId, amountCents, reference: "ref_1" }));
    const concurrent = await Promise.all([reverse(200), reverse(200), reverse(200)]);
    expect(tally(concurrent).ok).toBe(1);
    expect((await reverse(101)).outcome).toBe("business_rule_violation");
    expect((await reverse(100)).outcome).toBe("ok");
    expect((await reverse(1)).outcome).toBe("business_rule_violation");
    const row = await env.DB.prepare("SELECT balance_cents FROM gift_cards WHERE id = ?").bind(card.body.id).first<{ balance_cents: number }>();
    expect(row!.balance_cents).toBe(300);
    expect(await eventTypes(store.id)).toContain("gift_card.spend_reversed");
  });

  it("a repeated Idempotency-Key issues once and shows the same code", async () => {
    const store = await createStore();
    const key = unique("idem");
    const [a, b] = [await issue(store.key, { amount_cents: 900 }, { "Idempotency-Key": key }), await issue(store.key, { amount_cents: 900 }, { "Idempotency-Key": key })];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get("Idempotent-Replayed")).toBe("true");
    expect(b.body.code).toBe(a.body.code);
    const list = await call("GET", "/v1/gift-cards", { token: store.key });
    expect(list.body.data).toHaveLength(1);
  });

  it("filters by customer and activity, and checks the customers belong to the store", async () => {
    const store = await createStore();
    const other = await createStore();
    const alice = await createCustomer(store.key);
    const bob = await createCustomer(store.key);
    const foreign = await createCustomer(other.key);
    expectProblem(await issue(store.key, { amount_cents: 100, recipient_customer_id: foreign }), 422, "customer_not_found");
    const gift = await issue(store.key, { amount_cents: 100, gifter_customer_id: alice, recipient_customer_id: bob });
    const mine = await issue(store.key, { amount_cents: 100, recipient_customer_id: alice });
    await call("POST", `/v1/gift-cards/${mine.body.id}/void`, { token: store.key });
    const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((c) => c.id);
    expect(ids(await call("GET", `/v1/customers/${alice}/gift-cards`, { token: store.key }))).toEqual([mine.body.id, gift.body.id]);
    expect(ids(await call("GET", `/v1/customers/${alice}/gift-cards?active=true`, { token: store.key }))).toEqual([gift.body.id]);
    expect(ids(await call("GET", `/v1/gift-cards?recipient_customer_id=${bob}`, { token: store.key }))).toEqual([gift.body.id]);
    expect(ids(await call("GET", "/v1/gift-cards?active=false", { token: store.key }))).toEqual([mine.body.id]);
    expectProblem(await call("GET", `/v1/customers/${foreign}/gift-cards`, { token: store.key }), 404, "not_found");
  });

  it("another store's card is 404 on every route", async () => {
    const owner = await createStore();
    const intruder = await createStore();
    const card = await issue(owner.key);
    for (const [method, path] of [
      ["GET", `/v1/gift-cards/${card.body.id}`],
      ["GET", `/v1/gift-cards/${card.body.id}/ledger`],
      ["POST", `/v1/gift-cards/${card.body.id}/void`],
    ] as const) {
      expectProblem(await call(method, path, { token: intruder.key }), 404, "not_found");
    }
    expect((await lookup(intruder.key, card.body.code, "192.0.2.1")).status).toBe(404);
    expect((await call("GET", "/v1/gift-cards", { token: intruder.key })).body.data).toEqual([]);
    const db = createDb(env.DB);
    expect((await attempt(intruder.id, () => planGiftCardDraw(db, intruder.id, { giftCardId: card.body.id, maxCents: 1, currency: "USD", reference: "x" }))).outcome).toBe("not_found");
    expect((await call("GET", `/v1/gift-cards/${card.body.id}`, { token: owner.key })).body.balance_cents).toBe(500);
  });
});

/** The real kernel and gift card service behind a bare app, with a failure injected after the batch. */
function crashingIssuer(crash: { afterBatch: boolean }) {
  const app = new Hono<{ Bindings: Bindings; Variables: { db: ReturnType<typeof createDb> } }>();
  app.use("*", async (c, next) => {
    c.set("db", createDb(c.env.DB));
    await next();
  });
  app.use("*", jsonBody());
  app.post("/t/:store/gift-cards", async (c) => {
    const storeId = c.req.param("store");
    const body = (await c.req.json()) as { amount_cents: number };
    return once(c, { storeId }, () => issueGiftCard(c.var.db, storeId, "USD", body), ({ card, code }) => {
      if (crash.afterBatch) {
        crash.afterBatch = false;
        throw new Error("injected crash between the work and the response");
      }
      return c.json({ ...presentGiftCard(card), code }, 201);
    });
  });
  app.onError((err, c) => c.json({ error: err.message }, 500));
  return app;
}

describe("gift card issue survives a crash", () => {
  it("a crash after the work and before the response, then a retry: one card, the same code", async () => {
    const store = await createStore();
    const app = crashingIssuer({ afterBatch: true });
    const key = unique("key");
    const send = async () => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`http://t/t/${store.id}/gift-cards`, { method: "POST", headers: { "Content-Type": "application/json", "Idempotency-Key": key }, body: JSON.stringify({ amount_cents: 700 }) }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await send()).status).toBe(500);
    const retry = await send();
    expect(retry.status).toBe(201);
    const rows = await env.DB.prepare("SELECT id FROM gift_cards WHERE store_id = ?").bind(store.id).all<{ id: string }>();
    expect(rows.results.map((r) => r.id)).toEqual([retry.body.id]);
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE store_id = ? AND type = 'gift_card.issued'").bind(store.id).first<{ n: number }>();
    expect(events!.n).toBe(1);
  });
});
