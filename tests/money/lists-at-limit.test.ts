import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type TestStore, call, createStore, unique } from "../helpers";
import { createCustomer } from "./support";

/** More rows than one page holds at the maximum page size; pairs share a timestamp so ties are walked. */
const ROWS = 105;
const stamp = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))).toISOString();
const id = (prefix: string) => `${prefix}_${unique("x").replace(/-/g, "")}`;

async function walk(store: TestStore, path: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const url: string = `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await call("GET", url, { token: store.key });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.data.length).toBeLessThanOrEqual(100);
    ids.push(...res.body.data.map((row: { id: string }) => row.id));
    cursor = res.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 10);
  expect(new Set(ids).size).toBe(ids.length);
  return { ids, pages };
}

let store: TestStore;
let customerId: string;
const card = id("gc");
const coupon = id("cpn");
const credit = id("cr");

beforeAll(async () => {
  store = await createStore();
  customerId = await createCustomer(store.key);
  const s: D1PreparedStatement[] = [];
  const t0 = stamp(0);
  s.push(
    env.DB.prepare("INSERT INTO gift_cards (id, store_id, code_hash, last4, currency, initial_cents, balance_cents, created_at, updated_at) VALUES (?, ?, ?, 'AAAA', 'USD', 1000000, 1000000, ?, ?)").bind(card, store.id, unique("h"), t0, t0),
    env.DB.prepare("INSERT INTO coupon_codes (id, store_id, code, percent_off, created_at, updated_at) VALUES (?, ?, ?, 5, ?, ?)").bind(coupon, store.id, "SEEDED", t0, t0),
    env.DB.prepare("INSERT INTO customer_credits (id, store_id, customer_id, currency, amount_cents, balance_cents, reason, created_at, updated_at) VALUES (?, ?, ?, 'USD', 1000000, 1000000, 'seed', ?, ?)").bind(credit, store.id, customerId, t0, t0),
  );
  for (let i = 0; i < ROWS; i++) {
    s.push(
      env.DB.prepare("INSERT INTO gift_cards (id, store_id, code_hash, last4, currency, initial_cents, balance_cents, recipient_customer_id, created_at, updated_at) VALUES (?, ?, ?, 'BBBB', 'USD', 100, 100, ?, ?, ?)").bind(id("gc"), store.id, unique("h"), customerId, stamp(i), stamp(i)),
      env.DB.prepare("INSERT INTO gift_card_ledger (id, store_id, gift_card_id, kind, amount_cents, balance_after_cents, created_at) VALUES (?, ?, ?, 'spend', 1, 1, ?)").bind(id("gcl"), store.id, card, stamp(i)),
      env.DB.prepare("INSERT INTO coupon_codes (id, store_id, code, percent_off, created_at, updated_at) VALUES (?, ?, ?, 5, ?, ?)").bind(id("cpn"), store.id, `SEED${i}`, stamp(i), stamp(i)),
      env.DB.prepare("INSERT INTO coupon_redemptions (id, store_id, coupon_id, discount_cents, currency, created_at) VALUES (?, ?, ?, 1, 'USD', ?)").bind(id("cpr"), store.id, coupon, stamp(i)),
      env.DB.prepare("INSERT INTO customer_credits (id, store_id, customer_id, currency, amount_cents, balance_cents, reason, created_at, updated_at) VALUES (?, ?, ?, 'USD', 10, 10, 'seed', ?, ?)").bind(id("cr"), store.id, customerId, stamp(i), stamp(i)),
      env.DB.prepare("INSERT INTO credit_ledger (id, store_id, credit_id, customer_id, kind, amount_cents, balance_after_cents, created_at) VALUES (?, ?, ?, ?, 'spend', 1, 1, ?)").bind(id("crl"), store.id, credit, customerId, stamp(i)),
    );
  }
  await env.DB.batch(s);
}, 60_000);

describe("stored-value lists at limit=100 with more than 100 rows", () => {
  it.each([
    ["GET /v1/gift-cards", () => "/v1/gift-cards", ROWS + 1],
    ["GET /v1/gift-cards?active=true", () => "/v1/gift-cards?active=true", ROWS + 1],
    ["GET /v1/customers/{id}/gift-cards", () => `/v1/customers/${customerId}/gift-cards`, ROWS],
    ["GET /v1/gift-cards/{id}/ledger", () => `/v1/gift-cards/${card}/ledger`, ROWS],
    ["GET /v1/coupon-codes", () => "/v1/coupon-codes", ROWS + 1],
    ["GET /v1/coupon-codes/{id}/redemptions", () => `/v1/coupon-codes/${coupon}/redemptions`, ROWS],
    ["GET /v1/customers/{id}/credits", () => `/v1/customers/${customerId}/credits?active=true`, ROWS + 1],
    ["GET /v1/customers/{id}/credits/{credit_id}/ledger", () => `/v1/customers/${customerId}/credits/${credit}/ledger`, ROWS],
  ])("%s", async (_label, path, expected) => {
    const { ids, pages } = await walk(store, path());
    expect(ids.length).toBe(expected);
    expect(pages).toBe(2);
  });
});
