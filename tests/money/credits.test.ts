import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { planCreditDraw, planCreditReversal } from "../../src/modules/credits";
import { call, createStore, expectProblem, unique } from "../helpers";
import { attempt, createCustomer, eventTypes, tally } from "./support";

const grant = (key: string, customer: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("POST", `/v1/customers/${customer}/credits`, { token: key, body: { reason: "goodwill", ...body }, headers });

describe("store credit", () => {
  it("10 concurrent draws of 100 from a credit of 500: exactly 5 succeed, balance 0, spends sum to 500", async () => {
    const store = await createStore();
    const customer = await createCustomer(store.key);
    const credit = await grant(store.key, customer, { amount_cents: 500 });
    expect(credit.status).toBe(201);
    const db = createDb(env.DB);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt(store.id, () => planCreditDraw(db, store.id, { customerId: customer, currency: "USD", maxCents: 100, reference: `ord_${i}` }))),
    );
    // A draw that reads an empty balance draws nothing; only draws that moved money count.
    const moved = outcomes.filter((o) => o.outcome === "ok" && o.result!.total_cents > 0);
    expect(moved).toHaveLength(5);
    expect(tally(outcomes).insufficient_balance ?? 0).toBe(10 - tally(outcomes).ok!);
    const row = await env.DB.prepare("SELECT balance_cents FROM customer_credits WHERE id = ?").bind(credit.body.id).first<{ balance_cents: number }>();
    expect(row!.balance_cents).toBe(0);
    const spent = await env.DB.prepare("SELECT SUM(amount_cents) AS s FROM credit_ledger WHERE credit_id = ? AND kind = 'spend'").bind(credit.body.id).first<{ s: number }>();
    expect(spent!.s).toBe(500);
    expect((await eventTypes(store.id)).filter((t) => t === "credit.spent")).toHaveLength(5);
  });

  it("draws the credit expiring first, then the oldest, and reversals return to the grant they came from", async () => {
    const store = await createStore();
    const customer = await createCustomer(store.key);
    const forever = await grant(store.key, customer, { amount_cents: 1000 });
    const late = await grant(store.key, customer, { amount_cents: 300, expires_at: "2099-01-01T00:00:00Z" });
    const soon = await grant(store.key, customer, { amount_cents: 200, expires_at: "2098-01-01T00:00:00Z" });
    await grant(store.key, customer, { amount_cents: 999, currency: "EUR" });
    const db = createDb(env.DB);
    const draw = await attempt(store.id, () => planCreditDraw(db, store.id, { customerId: customer, currency: "USD", maxCents: 700, reference: "ord_1" }));
    expect(draw.result!.draws.map((d) => [d.creditId, d.amountCents])).toEqual([
      [soon.body.id, 200],
      [late.body.id, 300],
      [forever.body.id, 200],
    ]);
    const snapshot = await call("GET", `/v1/customers/${customer}/snapshot`, { token: store.key });
    expect(snapshot.body.credit_balances).toEqual([
      { currency: "EUR", amount_cents: 999 },
      { currency: "USD", amount_cents: 800 },
    ]);
    const lateSpend = draw.result!.draws[1]!.ledgerEntryId;
    const reverse = (amountCents: number) => attempt(store.id, () => planCreditReversal(db, store.id, { ledgerEntryId: lateSpend, amountCents, reference: "refund_1" }));
    expect(tally(await Promise.all([reverse(300), reverse(300)])).ok).toBe(1);
    expect((await reverse(1)).outcome).toBe("business_rule_violation");
    const detail = await call("GET", `/v1/customers/${customer}/credits/${late.body.id}`, { token: store.key });
    expect(detail.body).toMatchObject({ balance_cents: 300, state: "active" });
    expect(detail.body.ledger.map((e: { kind: string }) => e.kind).sort()).toEqual(["issue", "reversal", "spend"]);
  });

  it("lists active ones, voids once, and a repeated Idempotency-Key grants once", async () => {
    const store = await createStore();
    const customer = await createCustomer(store.key);
    const key = unique("idem");
    const a = await grant(store.key, customer, { amount_cents: 250 }, { "Idempotency-Key": key });
    const b = await grant(store.key, customer, { amount_cents: 250 }, { "Idempotency-Key": key });
    expect(b.headers.get("Idempotent-Replayed")).toBe("true");
    expect(b.body.id).toBe(a.body.id);
    const other = await grant(store.key, customer, { amount_cents: 50 });
    const voided = await call("POST", `/v1/customers/${customer}/credits/${other.body.id}/void`, { token: store.key });
    expect(voided.body).toMatchObject({ state: "voided", balance_cents: 0 });
    expectProblem(await call("POST", `/v1/customers/${customer}/credits/${other.body.id}/void`, { token: store.key }), 409, "invalid_transition");
    const active = await call("GET", `/v1/customers/${customer}/credits?active=true`, { token: store.key });
    expect(active.body.data.map((c: { id: string }) => c.id)).toEqual([a.body.id]);
    const ledger = await call("GET", `/v1/customers/${customer}/credits/${other.body.id}/ledger`, { token: store.key });
    expect(ledger.body.data.map((e: { kind: string; amount_cents: number }) => [e.kind, e.amount_cents]).sort()).toEqual([["issue", 50], ["void", 50]]);
    expect(await eventTypes(store.id)).toEqual(expect.arrayContaining(["credit.issued", "credit.voided"]));
    expect((await eventTypes(store.id)).filter((t) => t === "credit.issued")).toHaveLength(2);
  });

  it("another store's credit or customer is 404 on every route", async () => {
    const owner = await createStore();
    const intruder = await createStore();
    const customer = await createCustomer(owner.key);
    const credit = await grant(owner.key, customer, { amount_cents: 100 });
    for (const [method, path, body] of [
      ["POST", `/v1/customers/${customer}/credits`, { amount_cents: 1, reason: "x" }],
      ["GET", `/v1/customers/${customer}/credits`, undefined],
      ["GET", `/v1/customers/${customer}/credits/${credit.body.id}`, undefined],
      ["GET", `/v1/customers/${customer}/credits/${credit.body.id}/ledger`, undefined],
      ["POST", `/v1/customers/${customer}/credits/${credit.body.id}/void`, undefined],
    ] as const) {
      expectProblem(await call(method, path, { token: intruder.key, body }), 404, "not_found");
    }
    const db = createDb(env.DB);
    const draw = await attempt(intruder.id, () => planCreditDraw(db, intruder.id, { customerId: customer, currency: "USD", maxCents: 100, reference: "x" }));
    expect(draw.result?.total_cents).toBe(0);
    expect((await call("GET", `/v1/customers/${customer}/credits/${credit.body.id}`, { token: owner.key })).body.balance_cents).toBe(100);
  });
});
