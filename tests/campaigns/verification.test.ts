import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";
import { coupon, createBrand, createDiscount, realizer, received, register, until, verificationToken } from "./support";

afterEach(() => vi.restoreAllMocks());

async function pendingFan(program?: { default?: unknown }) {
  const store = await createStore();
  const name = unique("verify");
  const brand = await createBrand(store, await realizer(name, program), { verify_email: true });
  const discount = await createDiscount(store, brand.id, { name: "Fan club 10%" });
  const registered = await register(store, brand.id, discount.id);
  expect(registered.status).toBe(201);
  expect(registered.body).toMatchObject({ status: "pending_verification", coupon: null });
  expect(registered.body.verification_expires_at).not.toBeNull();
  const token = await verificationToken(registered.body.email_delivery_id);
  return { store, brand, discount, fan: registered.body, token, name };
}

const realizations = async (discountId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM campaign_coupons WHERE discount_id = ?").bind(discountId).first<{ n: number }>())?.n;

describe("GET/POST /v1/fans/verify/{token}", () => {
  it("the link's page changes nothing; its button verifies once and the code is realized once", async () => {
    const { store, brand, discount, fan, token, name } = await pendingFan();
    expect(JSON.stringify(fan)).not.toContain(token);
    const pageRes = await call("GET", `/v1/fans/verify/${token}`);
    expect(pageRes.status).toBe(200);
    expect(pageRes.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(pageRes.headers.get("Cache-Control")).toBe("no-store");
    expect(pageRes.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(pageRes.body).toContain('<form method="post"><button type="submit">');
    expect(pageRes.body).toContain("Fan club 10%");
    const json = await call("GET", `/v1/fans/verify/${token}`, { headers: { Accept: "application/json" } });
    expect(json.body).toMatchObject({ status: "pending_verification", discount_name: "Fan club 10%" });
    expect(await realizations(discount.id)).toBe(0);

    const pressed = await call("POST", `/v1/fans/verify/${token}`);
    expect(pressed.status).toBe(200);
    expect(pressed.body).toContain("Email confirmed");
    const listed = (await call("GET", `/v1/brands/${brand.id}/discounts/${discount.id}/fans`, { token: store.key })).body.data[0];
    expect(listed.status).toBe("verified");
    expect(pressed.body).toContain(listed.coupon.code);
    await until(() => coupon(store, listed.coupon.id), (c) => c.status === "realized");

    const again = await call("POST", `/v1/fans/verify/${token}`);
    expect(again.status).toBe(409);
    expect(again.body).toContain("Already confirmed");
    expectProblem(await call("POST", `/v1/fans/verify/${token}`, { headers: { Accept: "application/json" } }), 409, "conflict");
    await new Promise((r) => setTimeout(r, 300));
    expect(await realizations(discount.id)).toBe(1);
    expect(await received(name)).toHaveLength(1);
  });

  it("the same token pressed 10 times at once: one verification, one coupon, one realization", async () => {
    const { store, discount, token, name } = await pendingFan();
    const answers = await Promise.all(Array.from({ length: 10 }, () => call("POST", `/v1/fans/verify/${token}`, { headers: { Accept: "application/json" } })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    const couponId = answers.find((a) => a.status === 200)!.body.coupon.id;
    await until(() => coupon(store, couponId), (c) => c.status === "realized");
    await new Promise((r) => setTimeout(r, 300));
    expect(await realizations(discount.id)).toBe(1);
    expect(await received(name)).toHaveLength(1);
  });

  it("an expired or unknown token is a clear page (problem+json for programs) and realizes nothing", async () => {
    const { discount, fan, token, name } = await pendingFan();
    await env.DB.prepare("UPDATE fans SET token_expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), fan.id).run();
    const expired = await call("POST", `/v1/fans/verify/${token}`);
    expect(expired.status).toBe(400);
    expect(expired.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(expired.body).toContain("This link does not work");
    expectProblem(await call("GET", `/v1/fans/verify/${token}`, { headers: { Accept: "application/json" } }), 400, "invalid_token");
    expectProblem(await call("POST", "/v1/fans/verify/fvt_unknownunknownunknownunknown12", { headers: { Accept: "application/json" } }), 400, "invalid_token");
    expect((await call("GET", "/v1/fans/verify/<script>")).status).toBe(400);
    expect(await realizations(discount.id)).toBe(0);
    expect(await received(name)).toHaveLength(0);
  });

  it("a discount switched off after registration issues no code at verification", async () => {
    const { store, brand, discount, token } = await pendingFan();
    await call("PATCH", `/v1/brands/${brand.id}/discounts/${discount.id}`, { token: store.key, body: { active: false }, headers: { "If-Match": '"1"' } });
    const res = await call("POST", `/v1/fans/verify/${token}`, { headers: { Accept: "application/json" } });
    expectProblem(res, 422, "business_rule_violation");
    expect(res.body.reason).toBe("discount_inactive");
    expect(await realizations(discount.id)).toBe(0);
  });
});
