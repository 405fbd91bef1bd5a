import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { PaymentProviderError, testCardProvider } from "../../src/modules/payments";
import { call, createStore, expectProblem, unique } from "../helpers";

const provider = () => testCardProvider(createDb(env.DB));

async function chargeRows(storeId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM payment_charges WHERE store_id = ?").bind(storeId).all<Record<string, unknown>>();
  return results;
}

describe("the test_card provider", () => {
  it("answers the same charge for the same key, even to 10 concurrent calls, and refuses the key for another amount", async () => {
    const store = await createStore();
    const key = unique("charge");
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => provider().charge({ storeId: store.id, token: "tok_visa", amountCents: 3500, currency: "USD", idempotencyKey: key })));
    expect(new Set(outcomes.map((o) => o.chargeId)).size).toBe(1);
    expect(outcomes[0]!.status).toBe("succeeded");
    expect(await chargeRows(store.id)).toHaveLength(1);
    await expect(provider().charge({ storeId: store.id, token: "tok_visa", amountCents: 3600, currency: "USD", idempotencyKey: key })).rejects.toBeInstanceOf(PaymentProviderError);
    await expect(provider().charge({ storeId: store.id, token: "tok_nope", amountCents: 1, currency: "USD", idempotencyKey: unique("k") })).rejects.toBeInstanceOf(PaymentProviderError);
  });

  it("declines and pends the documented cards", async () => {
    const store = await createStore();
    const declined = await provider().charge({ storeId: store.id, token: "tok_chargeDeclined", amountCents: 100, currency: "USD", idempotencyKey: unique("k") });
    expect(declined).toMatchObject({ status: "declined", message: "Your card was declined." });
    const pending = await provider().charge({ storeId: store.id, token: "tok_pending", amountCents: 100, currency: "USD", idempotencyKey: unique("k") });
    expect(pending.status).toBe("pending");
  });

  it("refunds never exceed the charge, under concurrency too, and a refund key answers once", async () => {
    const store = await createStore();
    const charge = await provider().charge({ storeId: store.id, token: "tok_mastercard", amountCents: 100, currency: "USD", idempotencyKey: unique("k") });
    const results = await Promise.all(Array.from({ length: 10 }, () => provider().refund({ storeId: store.id, chargeId: charge.chargeId, amountCents: 30, idempotencyKey: unique("r") })));
    expect(results.filter((r) => r.status === "refunded")).toHaveLength(3);
    const [row] = await chargeRows(store.id);
    expect(row!.refunded_cents).toBe(90);
    const key = unique("r");
    const once = await provider().refund({ storeId: store.id, chargeId: charge.chargeId, amountCents: 10, idempotencyKey: key });
    const again = await provider().refund({ storeId: store.id, chargeId: charge.chargeId, amountCents: 10, idempotencyKey: key });
    expect(again).toEqual(once);
    expect((await provider().refund({ storeId: store.id, chargeId: charge.chargeId, amountCents: 1, idempotencyKey: unique("r") })).status).toBe("refused");
  });
});

describe("POST /v1/webhooks/payments/test_card", () => {
  async function deliver(secret: string, body: unknown, options: { id?: string; at?: Date; tamper?: boolean } = {}) {
    const raw = JSON.stringify(body);
    const id = options.id ?? unique("msg");
    const at = options.at ?? new Date();
    const signature = new Webhook(secret).sign(id, at, raw);
    return call("POST", "/v1/webhooks/payments/test_card", {
      rawBody: options.tamper ? raw.replace("succeeded", "failed") : raw,
      headers: { "Content-Type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature },
    });
  }

  it("settles a pending charge once; a bad signature, another store's secret or a stale timestamp is 401", async () => {
    const store = await createStore();
    const other = await createStore();
    const secretRes = await call("GET", "/v1/payments/test-card/webhook-secret", { token: store.key });
    expect(secretRes.headers.get("Cache-Control")).toBe("no-store");
    const secret = secretRes.body.secret as string;
    const otherSecret = (await call("GET", "/v1/payments/test-card/webhook-secret", { token: other.key })).body.secret as string;
    expect(secret).not.toBe(otherSecret);
    const pending = await provider().charge({ storeId: store.id, token: "tok_pending", amountCents: 700, currency: "USD", idempotencyKey: unique("k") });
    const body = { type: "charge.succeeded", data: { store_id: store.id, charge_id: pending.chargeId } };
    expectProblem(await deliver(secret, body, { tamper: true }), 401, "unauthenticated");
    expectProblem(await deliver(otherSecret, body), 401, "unauthenticated");
    expectProblem(await deliver(secret, body, { at: new Date(Date.now() - 10 * 60_000) }), 401, "unauthenticated");
    expect((await chargeRows(store.id))[0]!.status).toBe("pending");
    const first = await deliver(secret, body, { id: "msg_1" });
    expect(first.body).toEqual({ received: true, changed: true });
    const replay = await deliver(secret, body, { id: "msg_1" });
    expect(replay.body).toEqual({ received: true, changed: false });
    const late = await deliver(secret, { type: "charge.failed", data: { store_id: store.id, charge_id: pending.chargeId } });
    expect(late.body.changed).toBe(false);
    expect((await chargeRows(store.id))[0]!.status).toBe("succeeded");
    const { results } = await env.DB.prepare("SELECT type FROM events WHERE store_id = ? AND type LIKE 'payment.%'").bind(store.id).all<{ type: string }>();
    expect(results.map((r) => r.type)).toEqual(["payment.succeeded"]);
  });
});
