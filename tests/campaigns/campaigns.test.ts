import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { CODE_ALPHABETS, codeSpaceIsEnough } from "../../src/modules/campaigns/campaigns.schemas";
import { fanEmailKey } from "../../src/modules/campaigns/campaigns.fans";
import { call, createStore, expectProblem, unique } from "../helpers";
import { coupon, createBrand, createDiscount, realizer, received, register, until } from "./support";

const NEXT_YEAR = new Date(Date.now() + 365 * 86_400_000).toISOString();

describe("brands and discounts", () => {
  it("refuses invalid discounts with 400 and stores nothing", async () => {
    const store = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")));
    const bad = [
      { type: "percent", amount: 0 },
      { type: "percent", amount: 101 },
      { type: "fixed_cart", amount: 0, currency: "USD" },
      { type: "fixed_cart", amount: -5, currency: "USD" },
      { type: "fixed_cart", amount: 500 },
      { type: "percent", amount: 10, usage_limit: 0 },
      { type: "percent", amount: 10, expires_at: "2020-01-01T00:00:00Z" },
      { type: "bogo", amount: 10 },
      { type: "free_shipping", amount: 5 },
      { type: "percent", amount: 10, code_length: 6, max_fans: 100_000 },
      { type: "percent", amount: 10, fixed_code: "SUMMER", code_length: 12 },
      { type: "percent", amount: 10, surprise: true },
    ];
    for (const body of bad) {
      const res = await call("POST", `/v1/brands/${brand.id}/discounts`, { token: store.key, body: { name: "x", expires_at: NEXT_YEAR, ...body } });
      expectProblem(res, 400, "validation_failed");
    }
    expect((await call("GET", `/v1/brands/${brand.id}/discounts`, { token: store.key })).body.data).toEqual([]);
    // The entropy rule: 31^12 is about 7.9e17, enough for 100,000 fans at 1e-9; 10 digits are not.
    expect(codeSpaceIsEnough("unambiguous", 12, 100_000)).toBe(true);
    expect(codeSpaceIsEnough("digits", 10, 100_000)).toBe(false);
  });

  it("creates, reads, changes (If-Match) and deletes brands and discounts; the secret is shown once", async () => {
    const store = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")), { verify_email: true });
    expect(brand.secret).toMatch(/^whsec_/);
    const read = await call("GET", `/v1/brands/${brand.id}`, { token: store.key });
    expect(read.body.secret).toBeUndefined();
    expect(read.body.verify_email).toBe(true);
    const discount = await createDiscount(store, brand.id, { type: "fixed_cart", amount: 500, currency: "eur", expires_at: "2099-01-01T00:00:00Z" });
    expect(discount).toMatchObject({ currency: "EUR", verify_email: true, last_valid_day: "2098-12-31", status: "active", code: { mode: "unique", length: 12, alphabet: "unambiguous" } });
    expectProblem(await call("PATCH", `/v1/brands/${brand.id}/discounts/${discount.id}`, { token: store.key, body: { amount: 900 }, headers: { "If-Match": '"1"' } }), 400, "validation_failed");
    const patched = await call("PATCH", `/v1/brands/${brand.id}/discounts/${discount.id}`, { token: store.key, body: { active: false }, headers: { "If-Match": '"1"' } });
    expect(patched.body).toMatchObject({ active: false, status: "inactive", version: 2 });
    expectProblem(await call("PATCH", `/v1/brands/${brand.id}/discounts/${discount.id}`, { token: store.key, body: { active: true }, headers: { "If-Match": '"1"' } }), 412, "stale_version");
    const rotated = await call("POST", `/v1/brands/${brand.id}/rotate-secret`, { token: store.key });
    expect(rotated.body.secret).not.toBe(brand.secret);
    expect((await call("DELETE", `/v1/brands/${brand.id}`, { token: store.key })).status).toBe(204);
    expectProblem(await call("GET", `/v1/brands/${brand.id}/discounts/${discount.id}`, { token: store.key }), 404, "not_found");
  });
});

describe("fans", () => {
  it("fixed code: two fans get the same code; unique: different codes of the configured length and alphabet", async () => {
    const store = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")));
    const fixed = await createDiscount(store, brand.id, { fixed_code: "SUMMER10" });
    const a = await register(store, brand.id, fixed.id);
    const b = await register(store, brand.id, fixed.id);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.coupon.code).toBe("SUMMER10");
    expect(b.body.coupon.code).toBe("SUMMER10");
    expect(a.body.coupon.id).not.toBe(b.body.coupon.id);

    const uniqueCodes = await createDiscount(store, brand.id, { code_length: 10, code_alphabet: "uppercase_digits", code_prefix: "ACME-" });
    const codes = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await register(store, brand.id, uniqueCodes.id);
      expect(res.body.coupon.code).toMatch(/^ACME-[A-Z0-9]{10}$/);
      codes.add(res.body.coupon.code);
    }
    expect(codes.size).toBe(5);
    const digits = await createDiscount(store, brand.id, { code_length: 16, code_alphabet: "digits", max_fans: 1000 });
    expect((await register(store, brand.id, digits.id)).body.coupon.code).toMatch(new RegExp(`^[${CODE_ALPHABETS.digits}]{16}$`));
  });

  it("one fan and one code per mailbox: a repeat (any case, a +tag) answers the same registration with 200", async () => {
    const store = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")));
    const discount = await createDiscount(store, brand.id);
    const email = `${unique("ann")}@example.com`;
    const first = await register(store, brand.id, discount.id, { email });
    const again = await register(store, brand.id, discount.id, { email: email.toUpperCase().replace("@", "+promo@") });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.coupon.code).toBe(first.body.coupon.code);
    expect(fanEmailKey("Ann.Lee+x@GoogleMail.com")).toBe("annlee@gmail.com");
    expectProblem(await register(store, brand.id, discount.id, { email: "not-an-email" }), 400, "validation_failed");
  });

  it("100 concurrent registrations of one email make one fan and one coupon", async () => {
    const store = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")));
    const discount = await createDiscount(store, brand.id);
    const email = `${unique("rush")}@example.com`;
    const answers = await Promise.all(Array.from({ length: 100 }, () => register(store, brand.id, discount.id, { email })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(99);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM campaign_coupons WHERE discount_id = ?").bind(discount.id).first<{ n: number }>();
    expect(rows?.n).toBe(1);
    expect((await call("GET", `/v1/brands/${brand.id}/discounts/${discount.id}`, { token: store.key })).body.fan_count).toBe(1);
  });

  it("refuses registration when the discount is inactive, not started, expired or full (422 with a reason)", async () => {
    const store = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")));
    const inactive = await createDiscount(store, brand.id, { active: false });
    const later = await createDiscount(store, brand.id, { starts_at: new Date(Date.now() + 86_400_000).toISOString() });
    const ended = await createDiscount(store, brand.id);
    await env.DB.prepare("UPDATE brand_discounts SET expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), ended.id).run();
    const small = await createDiscount(store, brand.id, { max_fans: 2 });
    for (const [discount, reason] of [[inactive, "discount_inactive"], [later, "discount_not_started"], [ended, "discount_expired"]] as const) {
      const res = await register(store, brand.id, discount.id);
      expectProblem(res, 422, "business_rule_violation");
      expect(res.body.reason).toBe(reason);
    }
    const rush = await Promise.all(Array.from({ length: 6 }, () => register(store, brand.id, small.id)));
    expect(rush.filter((r) => r.status === 201)).toHaveLength(2);
    expect(rush.filter((r) => r.status === 422).every((r) => r.body.reason === "discount_full")).toBe(true);
    const fans = await env.DB.prepare("SELECT count(*) AS n FROM fans WHERE discount_id IN (?, ?, ?, ?)").bind(inactive.id, later.id, ended.id, small.id).first<{ n: number }>();
    expect(fans?.n).toBe(2);
  });

  it("lists fans and coupons at limit=100 with more rows than that", async () => {
    const store = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")));
    const discount = await createDiscount(store, brand.id, { fixed_code: "MANY" });
    for (let i = 0; i < 105; i += 15) await Promise.all(Array.from({ length: 15 }, () => register(store, brand.id, discount.id)));
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ id: string; coupon: { code: string } }>; next_cursor: string | null } } = await call("GET", `/v1/brands/${brand.id}/discounts/${discount.id}/fans?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: store.key });
      for (const fan of page.body.data) seen.add(fan.id);
      expect(page.body.data.every((f) => f.coupon.code === "MANY")).toBe(true);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.size).toBe(105);
    const coupons = await call("GET", `/v1/brands/${brand.id}/discounts/${discount.id}/coupons?limit=100`, { token: store.key });
    expect(coupons.body.data).toHaveLength(100);
    expect(coupons.body.next_cursor).not.toBeNull();
  });
});

describe("tenancy", () => {
  it("another store's brand, discount, fan and coupon are 404 everywhere; nothing but the verification page is public", async () => {
    const store = await createStore();
    const other = await createStore();
    const brand = await createBrand(store, await realizer(unique("r")));
    const discount = await createDiscount(store, brand.id);
    const fan = (await register(store, brand.id, discount.id)).body;
    const d = `/v1/brands/${brand.id}/discounts/${discount.id}`;
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `/v1/brands/${brand.id}`],
      ["PATCH", `/v1/brands/${brand.id}`, { name: "x" }],
      ["DELETE", `/v1/brands/${brand.id}`],
      ["POST", `/v1/brands/${brand.id}/rotate-secret`],
      ["GET", `/v1/brands/${brand.id}/discounts`],
      ["POST", `/v1/brands/${brand.id}/discounts`, { name: "x", type: "percent", amount: 5, expires_at: NEXT_YEAR }],
      ["GET", d],
      ["PATCH", d, { active: false }],
      ["DELETE", d],
      ["GET", `${d}/fans`],
      ["POST", `${d}/fans`, { name: "x", email: "x@example.com" }],
      ["GET", `${d}/coupons`],
      ["GET", `/v1/coupons/${fan.coupon.id}`],
      ["POST", `/v1/coupons/${fan.coupon.id}/retry`],
    ];
    for (const [method, path, body] of routes) {
      expectProblem(await call(method, path, { token: other.key, body, headers: { "If-Match": '"1"' } }), 404, "not_found");
      expectProblem(await call(method, path, { body, headers: { "If-Match": '"1"' } }), 401, "unauthenticated");
    }
    expect((await call("GET", "/v1/brands", { token: other.key })).body.data).toEqual([]);
    expect((await call("GET", `/v1/brands/${brand.id}`, { token: store.key })).status).toBe(200);
    const raw = await call("GET", `${d}/fans`, { token: store.key });
    expect(raw.body.data).toHaveLength(1);
  });
});

describe("realization", () => {
  it("500 three times then 200: realized once after 4 attempts, each signed with the same webhook-id", async () => {
    const store = await createStore();
    const name = unique("flaky");
    const url = await realizer(name, { responses: [{ status: 500 }, { status: 500 }, { status: 503 }], default: { status: 200 } });
    const brand = await createBrand(store, url);
    const discount = await createDiscount(store, brand.id, { description: "Ten off", usage_limit: 2 });
    const fan = (await register(store, brand.id, discount.id, { name: "Uni User", email: "uni@example.com", social_handle: "@uni" })).body;
    const done = await until(() => coupon(store, fan.coupon.id), (c) => c.status !== "pending");
    expect(done).toMatchObject({ status: "realized", attempts: 4, last_error: null, last_response_status: 200 });
    const requests = await received(name);
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([fan.coupon.id]));
    for (const r of requests) {
      const body = new Webhook(brand.secret).verify(r.body, r.headers) as Record<string, unknown>;
      expect(body).toMatchObject({ coupon_id: fan.coupon.id, fan_name: "Uni User", email: "uni@example.com", social_handle: "@uni", code: fan.coupon.code, discount_name: discount.name, description: "Ten off", type: "percent", amount: 10, usage_limit: 2, free_shipping: false });
    }
    expect(() => new Webhook(brand.secret).verify(requests[0]!.body.replace("Uni", "Eve"), requests[0]!.headers)).toThrow();
    const events = await call("GET", `/v1/events?resource_id=${fan.coupon.id}`, { token: store.key });
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(["campaign_coupon.realized"]);
  });

  it("a 4xx fails at once; always failing ends failed through the dead-letter queue; a manual retry realizes once", async () => {
    const store = await createStore();
    const refusing = unique("refuse");
    const refusedBrand = await createBrand(store, await realizer(refusing, { default: { status: 422, body: "bad coupon" } }));
    const refusedFan = (await register(store, refusedBrand.id, (await createDiscount(store, refusedBrand.id)).id)).body;
    const refused = await until(() => coupon(store, refusedFan.coupon.id), (c) => c.status !== "pending");
    expect(refused).toMatchObject({ status: "failed", attempts: 1, last_response_status: 422, last_error: "HTTP 422: bad coupon" });

    const down = unique("down");
    await realizer(down, { default: { status: 500 } });
    const brand = await createBrand(store, `${env.SINK_URL}/${down}/realize`);
    const fan = (await register(store, brand.id, (await createDiscount(store, brand.id)).id)).body;
    const failed = await until(() => coupon(store, fan.coupon.id), (c) => c.status === "failed", 25_000);
    expect(failed).toMatchObject({ status: "failed", attempts: 8, last_response_status: 500 });
    expect(failed.last_error).toMatch(/gave up after 8 attempts/);
    const row = await env.DB.prepare("SELECT dead_lettered_at FROM campaign_coupons WHERE id = ?").bind(fan.coupon.id).first<{ dead_lettered_at: string | null }>();
    expect(row?.dead_lettered_at).not.toBeNull();
    expect((await received(down)).length).toBe(8);

    await realizer(down, { default: { status: 201 } });
    const retried = await call("POST", `/v1/coupons/${fan.coupon.id}/retry`, { token: store.key });
    expect(retried.status).toBe(202);
    expect(retried.body.status).toBe("pending");
    expectProblem(await call("POST", `/v1/coupons/${fan.coupon.id}/retry`, { token: store.key }), 409, "invalid_transition");
    const realized = await until(() => coupon(store, fan.coupon.id), (c) => c.status !== "pending");
    expect(realized).toMatchObject({ status: "realized", attempts: 9 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await received(down)).toHaveLength(1);
  });

  it("after a secret rotation, realizations verify with the new secret and, for 24 h, the previous one", async () => {
    const store = await createStore();
    const name = unique("rotated");
    const brand = await createBrand(store, await realizer(name));
    const rotated = (await call("POST", `/v1/brands/${brand.id}/rotate-secret`, { token: store.key })).body;
    expect(rotated.secret).not.toBe(brand.secret);
    const fan = (await register(store, brand.id, (await createDiscount(store, brand.id)).id)).body;
    await until(() => coupon(store, fan.coupon.id), (c) => c.status === "realized");
    const [request] = await received(name);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const secret of [rotated.secret, brand.secret]) expect(new Webhook(secret).verify(request!.body, request!.headers)).toMatchObject({ code: fan.coupon.code });
  });

  it("a realizer that hangs is cut off at the timeout and retried; registration never waits for it", async () => {
    const store = await createStore();
    const name = unique("slow");
    const brand = await createBrand(store, await realizer(name, { responses: [{ status: 200, delay_ms: 5_000 }], default: { status: 200 } }));
    const discount = await createDiscount(store, brand.id);
    const started = Date.now();
    const fan = (await register(store, brand.id, discount.id)).body;
    expect(Date.now() - started).toBeLessThan(1_000);
    const done = await until(() => coupon(store, fan.coupon.id), (c) => c.status === "realized");
    expect(done).toMatchObject({ status: "realized", attempts: 2 });
    const requests = await received(name);
    expect(requests).toHaveLength(2);
    // The second attempt came right after the first one's 1.5 s timeout, not after the 5 s answer.
    expect(requests[1]!.at - requests[0]!.at).toBeLessThan(3_500);
  });
});
