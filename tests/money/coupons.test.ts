import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { afterDiscount, discountCents, planCouponRedemption, planCouponReversal } from "../../src/modules/coupons";
import { call, createStore, expectProblem } from "../helpers";
import { attempt, createCustomer, eventTypes, tally } from "./support";

const create = (key: string, body: Record<string, unknown>) => call("POST", "/v1/coupon-codes", { token: key, body });

async function validate(key: string, body: Record<string, unknown>, ip = "203.0.113.50") {
  const res = await exports.default.fetch(
    new Request("http://edgeshop.test/v1/coupon-codes/validate", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "CF-Connecting-IP": ip },
      body: JSON.stringify(body),
    }),
  );
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("discount maths", () => {
  it.each([
    ["percent 10 on 999", { percentOff: 10, amountOffCents: null }, 999, 99, 900],
    ["percent 100 on 1", { percentOff: 100, amountOffCents: null }, 1, 1, 0],
    ["percent 33 on 100", { percentOff: 33, amountOffCents: null }, 100, 33, 67],
    ["percent 15 on 1", { percentOff: 15, amountOffCents: null }, 1, 0, 1],
    ["amount 50 on 1000", { percentOff: null, amountOffCents: 50 }, 1000, 50, 950],
    ["amount 2000 on 1000", { percentOff: null, amountOffCents: 2000 }, 1000, 1000, 0],
    ["amount 5 on 0", { percentOff: null, amountOffCents: 5 }, 0, 0, 0],
  ])("%s", (_label, rule, subtotal, discount, due) => {
    expect(discountCents(rule, subtotal)).toBe(discount);
    expect(afterDiscount(subtotal, discountCents(rule, subtotal))).toBe(due);
  });
});

describe("coupon codes", () => {
  it("validates and computes the discount once, the same way for both kinds", async () => {
    const store = await createStore();
    expect((await create(store.key, { code: "ten-off", percent_off: 10 })).body).toMatchObject({ code: "TENOFF", state: "active", currency: null });
    await create(store.key, { code: "FIFTY", amount_off_cents: 50 });
    await create(store.key, { code: "BIG", amount_off_cents: 2000, min_subtotal_cents: 500 });
    const check = async (code: string, subtotal: number) => JSON.parse((await validate(store.key, { code, subtotal_cents: subtotal })).text);
    expect(await check("Ten Off", 999)).toMatchObject({ applies: true, discount_cents: 99, total_after_discount_cents: 900 });
    expect(await check("fifty", 1000)).toMatchObject({ discount_cents: 50, total_after_discount_cents: 950 });
    expect(await check("big", 1000)).toMatchObject({ discount_cents: 1000, total_after_discount_cents: 0 });
    expect((await validate(store.key, { code: "big", subtotal_cents: 499 })).status).toBe(422);
    expect((await validate(store.key, { code: "fifty", subtotal_cents: 1000, currency: "EUR" })).status).toBe(422);
  });

  it("refuses bad definitions with 400 and a duplicate live code with 409; generates codes", async () => {
    const store = await createStore();
    for (const body of [{ code: "X1Y", percent_off: 0 }, { code: "X1Y", percent_off: 101 }, { code: "X1Y", percent_off: 10, amount_off_cents: 5 }, { code: "X1Y" }, { code: "X1Y", amount_off_cents: -5 }, { code: "X1Y", percent_off: 5, expires_at: "2020-01-01T00:00:00Z" }]) {
      expectProblem(await create(store.key, body), 400, "validation_failed");
    }
    expect((await call("GET", "/v1/coupon-codes", { token: store.key })).body.data).toEqual([]);
    const first = await create(store.key, { code: "SAVE5", percent_off: 5 });
    expectProblem(await create(store.key, { code: "save-5", amount_off_cents: 5 }), 409, "duplicate");
    await call("POST", `/v1/coupon-codes/${first.body.id}/void`, { token: store.key });
    expect((await create(store.key, { code: "SAVE5", percent_off: 7 })).status).toBe(201);
    const generated = await create(store.key, { percent_off: 5 });
    expect(generated.body.code).toMatch(/^[A-HJ-NP-Z2-9]{10}$/);
  });

  it("gives unknown, expired, voided and exhausted codes byte-identical refusals; the 11th validation is 429", async () => {
    const store = await createStore();
    const db = createDb(env.DB);
    const expired = await create(store.key, { code: "OLD", percent_off: 10 });
    await env.DB.prepare("UPDATE coupon_codes SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(expired.body.id).run();
    const voided = await create(store.key, { code: "GONE", percent_off: 10 });
    await call("POST", `/v1/coupon-codes/${voided.body.id}/void`, { token: store.key });
    await create(store.key, { code: "ONCE", percent_off: 10, usage_limit: 1 });
    expect((await attempt(store.id, () => planCouponRedemption(db, env, store.id, { code: "ONCE", subtotalCents: 100, currency: "USD", reference: "ord_1" }))).outcome).toBe("ok");
    const bodies = new Set<string>();
    for (const code of ["NOPE", "OLD", "GONE", "ONCE"]) {
      const res = await validate(store.key, { code, subtotal_cents: 1000 }, "198.51.100.20");
      expect(res.status).toBe(422);
      expect(JSON.parse(res.text)).toMatchObject({ code: "code_not_applicable" });
      bodies.add(res.text.replace(/"request_id":"[^"]+"/, ""));
    }
    expect(bodies.size).toBe(1);
    for (let i = 4; i < 10; i++) expect((await validate(store.key, { code: "NOPE" }, "198.51.100.20")).status).toBe(422);
    const limited = await validate(store.key, { code: "OLD" }, "198.51.100.20");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("a usage limit of 3 under 10 concurrent redemptions: exactly 3; a reversal frees one use", async () => {
    const store = await createStore();
    const coupon = await create(store.key, { code: "THREE", amount_off_cents: 100, usage_limit: 3 });
    const db = createDb(env.DB);
    const redeem = (i: number) => attempt(store.id, () => planCouponRedemption(db, env, store.id, { couponId: coupon.body.id, subtotalCents: 1000, currency: "USD", reference: `ord_${i}` }));
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => redeem(i)));
    expect(tally(outcomes)).toEqual({ ok: 3, code_not_applicable: 7 });
    const detail = await call("GET", `/v1/coupon-codes/${coupon.body.id}`, { token: store.key });
    expect(detail.body).toMatchObject({ times_redeemed: 3, state: "exhausted" });
    expect(detail.body.redemptions).toHaveLength(3);
    const first = outcomes.find((o) => o.outcome === "ok")!.result!.redemptionId;
    const reversals = await Promise.all([1, 2, 3].map(() => attempt(store.id, () => planCouponReversal(db, store.id, first))));
    expect(tally(reversals).ok).toBe(1);
    expect((await redeem(99)).outcome).toBe("ok");
    expect((await redeem(100)).outcome).toBe("code_not_applicable");
    const types = await eventTypes(store.id);
    expect(types.filter((t) => t === "coupon_code.redeemed")).toHaveLength(4);
    expect(types).toContain("coupon_code.redemption_reversed");
  });

  it("a per-customer limit of 1: the same customer twice at once gets one; first_order_only needs a customer", async () => {
    const store = await createStore();
    const alice = await createCustomer(store.key);
    const bob = await createCustomer(store.key);
    const coupon = await create(store.key, { code: "WELCOME", percent_off: 20, per_customer_limit: 1 });
    const db = createDb(env.DB);
    const redeem = (customerId?: string) =>
      attempt(store.id, () => planCouponRedemption(db, env, store.id, { couponId: coupon.body.id, subtotalCents: 500, currency: "USD", customerId, reference: "ord" }));
    expect(tally(await Promise.all([redeem(alice), redeem(alice)]))).toEqual({ ok: 1, code_not_applicable: 1 });
    expect((await redeem(bob)).outcome).toBe("ok");
    expect((await redeem(undefined)).outcome).toBe("code_not_applicable");
    expect((await validate(store.key, { code: "WELCOME", customer_id: alice }, "192.0.2.9")).status).toBe(422);
    const first = await create(store.key, { code: "FIRST", percent_off: 20, first_order_only: true });
    expect((await attempt(store.id, () => planCouponRedemption(db, env, store.id, { couponId: first.body.id, subtotalCents: 500, currency: "USD", reference: "x" }))).outcome).toBe("code_not_applicable");
    expect((await attempt(store.id, () => planCouponRedemption(db, env, store.id, { couponId: first.body.id, subtotalCents: 500, currency: "USD", customerId: alice, reference: "x" }))).outcome).toBe("ok");
  });

  it("filters by state, and another store's coupon is 404 on every route and unknown to its validation", async () => {
    const owner = await createStore();
    const intruder = await createStore();
    const live = await create(owner.key, { code: "LIVE", percent_off: 5 });
    const voided = await create(owner.key, { code: "DEAD", percent_off: 5 });
    await call("POST", `/v1/coupon-codes/${voided.body.id}/void`, { token: owner.key });
    const ids = async (query: string) => (await call("GET", `/v1/coupon-codes${query}`, { token: owner.key })).body.data.map((c: { id: string }) => c.id);
    expect(await ids("?voided=true")).toEqual([voided.body.id]);
    expect(await ids("?active=true")).toEqual([live.body.id]);
    expect(await ids("?expired=false")).toEqual([voided.body.id, live.body.id]);
    for (const [method, path] of [
      ["GET", `/v1/coupon-codes/${live.body.id}`],
      ["GET", `/v1/coupon-codes/${live.body.id}/redemptions`],
      ["POST", `/v1/coupon-codes/${live.body.id}/void`],
    ] as const) {
      expectProblem(await call(method, path, { token: intruder.key }), 404, "not_found");
    }
    expect((await validate(intruder.key, { code: "LIVE" }, "192.0.2.77")).status).toBe(422);
    expect((await call("GET", "/v1/coupon-codes", { token: intruder.key })).body.data).toEqual([]);
    expect((await call("GET", `/v1/coupon-codes/${live.body.id}`, { token: owner.key })).body.state).toBe("active");
  });
});
