import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expireCoupons } from "../../src/modules/coupons";
import { expireCredits } from "../../src/modules/credits";
import { expireGiftCards } from "../../src/modules/giftcards";
import { call, createStore } from "../helpers";
import { createCustomer, eventTypes } from "./support";

const PAST = "2020-01-01T00:00:00.000Z";

describe("expiry jobs (catch-up, idempotent)", () => {
  it("expire what passed its expiry once, with ledger rows and events; a second run changes nothing", async () => {
    const store = await createStore();
    const customer = await createCustomer(store.key);
    const card = await call("POST", "/v1/gift-cards", { token: store.key, body: { amount_cents: 700, expires_at: "2099-01-01T00:00:00Z" } });
    const fresh = await call("POST", "/v1/gift-cards", { token: store.key, body: { amount_cents: 100, expires_at: "2099-01-01T00:00:00Z" } });
    const credit = await call("POST", `/v1/customers/${customer}/credits`, { token: store.key, body: { amount_cents: 300, reason: "x", expires_at: "2099-01-01T00:00:00Z" } });
    const coupon = await call("POST", "/v1/coupon-codes", { token: store.key, body: { code: "GONE2020", percent_off: 5, expires_at: "2099-01-01T00:00:00Z" } });
    await env.DB.batch([
      env.DB.prepare("UPDATE gift_cards SET expires_at = ? WHERE id = ?").bind(PAST, card.body.id),
      env.DB.prepare("UPDATE customer_credits SET expires_at = ? WHERE id = ?").bind(PAST, credit.body.id),
      env.DB.prepare("UPDATE coupon_codes SET expires_at = ? WHERE id = ?").bind(PAST, coupon.body.id),
    ]);
    const snapshot = async () =>
      JSON.stringify(
        await env.DB.batch([
          env.DB.prepare("SELECT * FROM gift_cards WHERE store_id = ? ORDER BY id").bind(store.id),
          env.DB.prepare("SELECT * FROM gift_card_ledger WHERE store_id = ? ORDER BY id").bind(store.id),
          env.DB.prepare("SELECT * FROM customer_credits WHERE store_id = ? ORDER BY id").bind(store.id),
          env.DB.prepare("SELECT * FROM credit_ledger WHERE store_id = ? ORDER BY id").bind(store.id),
          env.DB.prepare("SELECT * FROM coupon_codes WHERE store_id = ? ORDER BY id").bind(store.id),
          env.DB.prepare("SELECT id FROM events WHERE store_id = ? ORDER BY id").bind(store.id),
        ]).then((rs) => rs.map((r) => r.results)),
      );
    // Other tests' stores may have due rows too: count only this store's effects.
    await Promise.all([expireGiftCards(env), expireCredits(env), expireCoupons(env)]);
    const detail = await call("GET", `/v1/gift-cards/${card.body.id}`, { token: store.key });
    expect(detail.body).toMatchObject({ balance_cents: 0, state: "expired" });
    expect(detail.body.ledger[0]).toMatchObject({ kind: "expire", amount_cents: 700, balance_after_cents: 0 });
    expect((await call("GET", `/v1/gift-cards/${fresh.body.id}`, { token: store.key })).body.balance_cents).toBe(100);
    expect((await call("GET", `/v1/customers/${customer}/credits/${credit.body.id}`, { token: store.key })).body).toMatchObject({ balance_cents: 0, state: "expired" });
    expect((await call("GET", `/v1/coupon-codes/${coupon.body.id}`, { token: store.key })).body.state).toBe("expired");
    const types = await eventTypes(store.id);
    expect(types.filter((t) => t.endsWith(".expired")).sort()).toEqual(["coupon_code.expired", "credit.expired", "gift_card.expired"]);
    const before = await snapshot();
    const again = await Promise.all([expireGiftCards(env), expireCredits(env), expireCoupons(env)]);
    expect(again).toEqual([{ expired: 0 }, { expired: 0 }, { expired: 0 }]);
    expect(await snapshot()).toBe(before);
  });
});
