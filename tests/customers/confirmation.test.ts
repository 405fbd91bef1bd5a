import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { commit } from "../../src/modules/idempotency";
import { assertCustomerMayOpenCart } from "../../src/modules/customers";
import { requestConfirmation } from "../../src/modules/customers/customers.confirmation";
import { EMAIL_MAX_ATTEMPTS, retryDelaySeconds } from "../../src/modules/customers/customers.consumer";
import { call, createStore, expectProblem, unique } from "../helpers";
import { confirmationToken, consumeDelivery, createCustomer } from "./support";

afterEach(() => vi.restoreAllMocks());

/** A delivery written by the service with a no-op outbox, so only the test's consumer call delivers it. */
async function quietDelivery(storeId: string, customerId: string) {
  const sent: unknown[] = [];
  const outbox = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue<{ delivery_id: string }>;
  const db = createDb(env.DB);
  const write = await requestConfirmation(db, { outbox, signingSecret: env.SIGNING_SECRET }, { id: storeId, name: "Quiet shop" }, customerId);
  const { result: delivery } = await commit(db, write, { storeId });
  expect(sent).toEqual([{ delivery_id: delivery.id }]);
  return delivery;
}

const delivery = async (key: string, id: string) => (await call("GET", `/v1/email-deliveries/${id}`, { token: key })).body;

describe("POST /v1/customers/{id}/send-confirmation", () => {
  it("queues an email whose link confirms the customer once", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const sent = await call("POST", `/v1/customers/${customer.id}/send-confirmation`, { token: store.key });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ kind: "customer_confirmation", to: customer.email, status: "queued", attempts: 0 });
    expect(sent.headers.get("Location")).toBe(`/v1/email-deliveries/${sent.body.id}`);
    expect(JSON.stringify(sent.body)).not.toMatch(/ect_/);
    const stored = await env.DB.prepare("SELECT payload FROM email_deliveries WHERE id = ?").bind(sent.body.id).first<{ payload: string | null }>();
    expect(stored?.payload ?? "").not.toMatch(/ect_/);

    const { token, deliveryId } = await confirmationToken(store, customer.id);
    expect(await delivery(store.key, deliveryId)).toMatchObject({ status: "logged", attempts: 1 });
    const erased = await env.DB.prepare("SELECT payload FROM email_deliveries WHERE id = ?").bind(deliveryId).first<{ payload: string | null }>();
    expect(erased?.payload).toBeNull();

    // Opening the link (as a mail scanner would) only shows a button; it confirms nothing.
    const page = await call("GET", "/v1/confirm");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(page.body).toContain('<button id="confirm" type="button">');
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.confirmed_at).toBeNull();
    // The button posts { token } from the link's fragment.
    const pressed = await call("POST", "/v1/confirm", { body: { token } });
    expect(pressed.status).toBe(200);
    expect(pressed.body).toContain("Email confirmed");
    const confirmed = await call("GET", `/v1/customers/${customer.id}`, { token: store.key });
    expect(confirmed.body.confirmed_at).not.toBeNull();
    expect(confirmed.body.version).toBe(2);

    const again = await call("POST", "/v1/confirm", { body: { token } });
    expect(again.status).toBe(400);
    expect(again.body).toContain("does not work");
    expectProblem(await call("POST", "/v1/auth/confirm", { body: { token } }), 400, "invalid_token");
    expectProblem(await call("POST", `/v1/customers/${customer.id}/send-confirmation`, { token: store.key }), 409, "already_confirmed");
  });

  it("confirms through the JSON endpoint exactly once, even concurrently", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const { token } = await confirmationToken(store, customer.id);
    const results = await Promise.all(Array.from({ length: 10 }, () => call("POST", "/v1/auth/confirm", { body: { token } })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body).toMatchObject({ customer_id: customer.id, email: customer.email });
    results.filter((r) => r.status !== 200).forEach((r) => expectProblem(r, 400, "invalid_token"));
  });

  it("refuses expired, unknown and malformed tokens", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const { token } = await confirmationToken(store, customer.id);
    await env.DB.prepare("UPDATE confirmation_tokens SET expires_at = ? WHERE customer_id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), customer.id)
      .run();
    expectProblem(await call("POST", "/v1/auth/confirm", { body: { token } }), 400, "invalid_token");
    expect((await call("POST", "/v1/confirm", { body: { token } })).status).toBe(400);
    expectProblem(await call("POST", "/v1/auth/confirm", { body: { token: `ect_${"A".repeat(32)}` } }), 400, "invalid_token");
    expectProblem(await call("POST", "/v1/auth/confirm", { body: { token: "nope" } }), 400, "invalid_token");
    expectProblem(await call("POST", "/v1/auth/confirm", { body: {} }), 400, "validation_failed");
    expect((await call("POST", "/v1/confirm", { body: { token: "<script>" } })).status).toBe(400);
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.confirmed_at).toBeNull();
  });

  it("confirms the email it was sent to; the customer follows its primary email", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const { token } = await confirmationToken(store, customer.id);
    const other = await call("POST", `/v1/customers/${customer.id}/emails`, { token: store.key, body: { email: `${unique("o")}@example.com`, is_primary: true } });
    expect((await call("POST", "/v1/auth/confirm", { body: { token } })).status).toBe(200);
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.confirmed_at).toBeNull();
    const emails = (await call("GET", `/v1/customers/${customer.id}/emails`, { token: store.key })).body.data;
    const original = emails.find((e: { email: string }) => e.email === customer.email);
    expect(original.confirmed_at).not.toBeNull();
    await call("POST", `/v1/customers/${customer.id}/emails/${original.id}/make-primary`, { token: store.key });
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.confirmed_at).toBe(original.confirmed_at);
    await call("POST", `/v1/customers/${customer.id}/emails/${other.body.id}/make-primary`, { token: store.key });
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.confirmed_at).toBeNull();
  });

  it("makes a token useless once its customer is deleted", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const { token } = await confirmationToken(store, customer.id);
    await call("DELETE", `/v1/customers/${customer.id}`, { token: store.key });
    expectProblem(await call("POST", "/v1/auth/confirm", { body: { token } }), 400, "invalid_token");
  });

  it("hides deliveries of other stores", async () => {
    const a = await createStore();
    const b = await createStore();
    const customer = await createCustomer(a);
    const sent = await call("POST", `/v1/customers/${customer.id}/send-confirmation`, { token: a.key });
    expectProblem(await call("GET", `/v1/email-deliveries/${sent.body.id}`, { token: b.key }), 404, "not_found");
    expectProblem(await call("GET", "/v1/email-deliveries/dlv_nope", { token: a.key }), 404, "not_found");
  });
});

describe("email-outbox consumer", () => {
  it("posts to the configured provider and records the delivery as sent", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const queued = await quietDelivery(store.id, customer.id);
    const fetch = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("{}", { status: 202 }));
    const bindings = { ...env, EMAIL_PROVIDER_URL: "https://mail.example.test/send", EMAIL_PROVIDER_TOKEN: "provider-secret", EMAIL_LOG_LINKS: "false" };
    const result = await consumeDelivery(queued.id, 1, bindings);
    expect(result.explicitAcks).toEqual([`msg-${queued.id}-1`]);
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("https://mail.example.test/send");
    expect(new Headers(init!.headers).get("Authorization")).toBe("Bearer provider-secret");
    expect(new Headers(init!.headers).get("Idempotency-Key")).toBe(queued.id);
    const email = JSON.parse(String(init!.body));
    expect(email).toMatchObject({ to: customer.email, subject: "Confirm your email for Quiet shop" });
    const token = /\/v1\/confirm#(ect_[0-9A-Za-z]{32})/.exec(email.text)![1]!;
    expect(await delivery(store.key, queued.id)).toMatchObject({ status: "sent", attempts: 1, last_error: null });
    expect((await call("POST", "/v1/auth/confirm", { body: { token } })).status).toBe(200);

    const replay = await consumeDelivery(queued.id, 2, bindings);
    expect(replay.explicitAcks).toHaveLength(1);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("retries with exponential backoff, then fails into the dead-letter queue", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const queued = await quietDelivery(store.id, customer.id);
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("busy", { status: 503 }));
    const bindings = { ...env, EMAIL_PROVIDER_URL: "https://mail.example.test/send" };
    for (let attempt = 1; attempt < EMAIL_MAX_ATTEMPTS; attempt++) {
      const result = await consumeDelivery(queued.id, attempt, bindings);
      expect(result.retryMessages).toEqual([{ msgId: `msg-${queued.id}-${attempt}` }]);
      expect(result.retryDelays).toEqual([retryDelaySeconds(attempt)]);
      expect(await delivery(store.key, queued.id)).toMatchObject({ status: "queued", attempts: attempt, last_error: "Provider answered 503" });
    }
    const last = await consumeDelivery(queued.id, EMAIL_MAX_ATTEMPTS, bindings);
    expect(last.retryMessages).toHaveLength(1);
    expect(await delivery(store.key, queued.id)).toMatchObject({ status: "failed", attempts: EMAIL_MAX_ATTEMPTS });
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([30, 60, 120, 240, 480]);
  });

  it("logs a redacted line without the token when no provider is configured outside local mode", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const queued = await quietDelivery(store.id, customer.id);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const result = await consumeDelivery(queued.id, 1, { ...env, EMAIL_PROVIDER_URL: undefined, EMAIL_LOG_LINKS: undefined });
    expect(result.explicitAcks).toHaveLength(1);
    const lines = log.mock.calls.map((args) => String(args[0])).filter((line) => line.includes(queued.id));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/ect_|\/v1\/confirm/);
    expect(lines[0]).not.toContain(customer.email);
    expect(await delivery(store.key, queued.id)).toMatchObject({ status: "logged" });
  });

  it("acks malformed messages instead of retrying them forever", async () => {
    const { createMessageBatch, createExecutionContext, getQueueResult } = await import("cloudflare:test");
    const { consumeEmailOutbox } = await import("../../src/modules/customers");
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const batch = createMessageBatch("email-outbox", [{ id: "bad-1", timestamp: new Date(), attempts: 1, body: { nope: true } }]);
    await consumeEmailOutbox(batch, env, createExecutionContext());
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["bad-1"]);
  });
});

describe("assertCustomerMayOpenCart", () => {
  it("requires a confirmed email only when the store asks for it", async () => {
    const db = createDb(env.DB);
    const relaxed = await createStore();
    const strict = await createStore({ require_email_confirmation: true });
    const easy = await createCustomer(relaxed);
    await expect(assertCustomerMayOpenCart(db, relaxed.id, easy.id)).resolves.toBeUndefined();
    const pending = await createCustomer(strict);
    await expect(assertCustomerMayOpenCart(db, strict.id, pending.id)).rejects.toMatchObject({ code: "email_not_confirmed", status: 422 });
    const { token } = await confirmationToken(strict, pending.id);
    await call("POST", "/v1/auth/confirm", { body: { token } });
    await expect(assertCustomerMayOpenCart(db, strict.id, pending.id)).resolves.toBeUndefined();
    await expect(assertCustomerMayOpenCart(db, relaxed.id, pending.id)).rejects.toMatchObject({ code: "not_found" });
  });
});
