import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { commit } from "../../src/modules/idempotency";
import { requestConfirmation } from "../../src/modules/customers/customers.confirmation";
import { call, createStore } from "../helpers";
import { confirmationToken, consumeDelivery, createCustomer } from "./support";

afterEach(() => vi.restoreAllMocks());

const INVALID = "does not work";

describe("the confirmation link keeps the token out of URLs that reach the server", () => {
  it("puts the token in the fragment of the email link", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const outbox = { send: async () => undefined } as unknown as Queue<{ delivery_id: string }>;
    const db = createDb(env.DB);
    const write = await requestConfirmation(db, { outbox, signingSecret: env.SIGNING_SECRET }, { id: store.id, name: "Shop" }, customer.id);
    const { result: queued } = await commit(db, write, { storeId: store.id });
    const fetch = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("{}", { status: 202 }));
    await consumeDelivery(queued.id, 1, { ...env, EMAIL_PROVIDER_URL: "https://mail.example.test/send", PUBLIC_BASE_URL: "https://api.example.test/" });
    const email = JSON.parse(String(fetch.mock.calls[0]![1]!.body));
    expect(email.text).toMatch(/https:\/\/api\.example\.test\/v1\/confirm#ect_[0-9A-Za-z]{32}\n/);
    expect(email.html).toMatch(/href="https:\/\/api\.example\.test\/v1\/confirm#ect_[0-9A-Za-z]{32}"/);
    expect(email.text).not.toMatch(/\/v1\/confirm\/ect_/);
  });

  it("serves a page whose script reads the fragment and POSTs { token } as JSON", async () => {
    const page = await call("GET", "/v1/confirm");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(page.headers.get("Referrer-Policy")).toBe("no-referrer");
    const nonce = /script-src 'nonce-([0-9A-Za-z]+)'/.exec(page.headers.get("Content-Security-Policy") ?? "")?.[1];
    expect(nonce).toBeTruthy();
    expect(page.body).toContain(`<script nonce="${nonce}">`);
    expect(page.body).toContain("location.hash");
    expect(page.body).toContain('fetch("/v1/confirm"');
    expect(page.body).toContain("JSON.stringify({ token");
    expect(page.headers.get("Content-Security-Policy")).toContain("connect-src 'self'");
    const again = await call("GET", "/v1/confirm");
    expect(again.headers.get("Content-Security-Policy")).not.toContain(nonce);
  });

  it("confirms once through POST /v1/confirm with the token in the body", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const { token } = await confirmationToken(store, customer.id);
    const pressed = await call("POST", "/v1/confirm", { body: { token } });
    expect(pressed.status).toBe(200);
    expect(pressed.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(pressed.body).toContain("Email confirmed");
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.confirmed_at).not.toBeNull();
    const twice = await call("POST", "/v1/confirm", { body: { token } });
    expect(twice.status).toBe(400);
    expect(twice.body).toContain(INVALID);
  });

  it("answers the HTML 'link does not work' page for every token shape", async () => {
    const bodies: unknown[] = [
      { token: `ect_${"A".repeat(32)}` },
      { token: "x".repeat(201) },
      { token: `ect_${"A".repeat(5000)}` },
      { token: "<script>alert(1)</script>" },
      { token: 42 },
      { token: null },
      {},
      { token: "ect_x", extra: true },
      [],
      "ect_abc",
    ];
    for (const body of bodies) {
      const res = await call("POST", "/v1/confirm", { body });
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(res.body).toContain(INVALID);
      expect(res.body).not.toContain("<script>alert");
    }
  });

  it("no longer serves the token-in-path URLs", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const { token } = await confirmationToken(store, customer.id);
    expect((await call("GET", `/v1/confirm/${token}`)).status).toBe(404);
    const query = await call("GET", `/v1/confirm?token=${token}`);
    expect(query.status).toBe(400);
    expect(query.body).toContain(INVALID);
    expect((await call("POST", `/v1/confirm/${token}`)).status).toBe(404);
    expect((await call("GET", `/v1/customers/${customer.id}`, { token: store.key })).body.confirmed_at).toBeNull();
  });
});
