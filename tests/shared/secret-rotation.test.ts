import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/context";
import { aesGcmEncrypt } from "../../src/shared/crypto";
import { decryptWithRotation, purposeKey } from "../../src/shared/keys";
import { decodeCursor, encodeCursor } from "../../src/shared/pagination";
import { consumeDelivery } from "../customers/support";
import { call, createStore, unique } from "../helpers";

const OLD = env.SIGNING_SECRET;
const app = createApp();

/** The same app with other secrets, as after `wrangler secret put SIGNING_SECRET`. */
async function callWith(secrets: Partial<Bindings>, method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const request = new Request(`http://edgeshop.test${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const response = await app.fetch(request, { ...env, ...secrets } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

describe("decryptWithRotation", () => {
  it("tries the current secret, then the previous one", async () => {
    const sealed = await aesGcmEncrypt(await purposeKey("old-secret", "email"), "hello");
    await expect(decryptWithRotation({ SIGNING_SECRET: "old-secret" }, "email", sealed)).resolves.toBe("hello");
    await expect(decryptWithRotation({ SIGNING_SECRET: "new-secret", SIGNING_SECRET_PREVIOUS: "old-secret" }, "email", sealed)).resolves.toBe("hello");
    await expect(decryptWithRotation({ SIGNING_SECRET: "new-secret" }, "email", sealed)).rejects.toThrow();
    await expect(decryptWithRotation({ SIGNING_SECRET: "new-secret", SIGNING_SECRET_PREVIOUS: "other" }, "email", sealed)).rejects.toThrow();
  });

  it("verifies cursors signed with the previous secret", async () => {
    const cursor = await encodeCursor("old-secret", "scope", ["a", 1]);
    await expect(decodeCursor({ SIGNING_SECRET: "new-secret", SIGNING_SECRET_PREVIOUS: "old-secret" }, "scope", cursor, ["string", "number"])).resolves.toEqual(["a", 1]);
    await expect(decodeCursor({ SIGNING_SECRET: "new-secret" }, "scope", cursor, ["string", "number"])).rejects.toMatchObject({ code: "invalid_cursor" });
  });
});

describe("rotating SIGNING_SECRET", () => {
  it("replays an idempotent request stored under the previous secret", async () => {
    const store = await createStore();
    const key = unique("rot");
    const body = { title: "Rotated", price_cents: 100 };
    const first = await call("POST", "/v1/products", { token: store.key, body, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    const retry = await callWith({ SIGNING_SECRET: "rotated-secret", SIGNING_SECRET_PREVIOUS: OLD }, "POST", "/v1/products", store.key, body, { "Idempotency-Key": key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.body.id).toBe(first.body.id);
  });

  it("runs a request again when its stored response decrypts with neither secret (never a 500)", async () => {
    const store = await createStore();
    const key = unique("rot");
    const body = { title: "Lost", price_cents: 100 };
    const first = await call("POST", "/v1/products", { token: store.key, body, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    const retry = await callWith({ SIGNING_SECRET: "rotated-twice" }, "POST", "/v1/products", store.key, body, { "Idempotency-Key": key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
    expect(retry.body.id).not.toBe(first.body.id);
    // The new response is stored under the new secret and replays from now on.
    const third = await callWith({ SIGNING_SECRET: "rotated-twice" }, "POST", "/v1/products", store.key, body, { "Idempotency-Key": key });
    expect(third.headers.get("Idempotent-Replayed")).toBe("true");
    expect(third.body.id).toBe(retry.body.id);
  });

  it("accepts list cursors issued under the previous secret", async () => {
    const store = await createStore();
    for (let i = 0; i < 3; i++) await call("POST", "/v1/products", { token: store.key, body: { title: `P${i}`, price_cents: 1 } });
    const page = await call("GET", "/v1/products?limit=2", { token: store.key });
    const cursor = encodeURIComponent(page.body.next_cursor);
    const next = await callWith({ SIGNING_SECRET: "rotated-secret", SIGNING_SECRET_PREVIOUS: OLD }, "GET", `/v1/products?limit=2&cursor=${cursor}`, store.key);
    expect(next.status).toBe(200);
    expect(next.body.data).toHaveLength(1);
    const unknown = await callWith({ SIGNING_SECRET: "rotated-secret" }, "GET", `/v1/products?limit=2&cursor=${cursor}`, store.key);
    expect(unknown.status).toBe(400);
  });
});

describe("queued emails across a rotation", () => {
  it("open with the previous secret", async () => {
    const store = await createStore();
    const id = `dlv_${unique("rot").replace(/-/g, "")}`;
    const now = new Date().toISOString();
    const payload = await aesGcmEncrypt(await purposeKey(OLD, "email"), JSON.stringify({ token: "ect_x", store_name: "Rotated" }));
    await env.DB.prepare(
      "INSERT INTO email_deliveries (id, store_id, customer_id, kind, to_email, status, payload, created_at, updated_at) VALUES (?, ?, 'cus_x', 'customer_confirmation', 'a@example.com', 'queued', ?, ?, ?)",
    )
      .bind(id, store.id, payload, now, now)
      .run();
    await consumeDelivery(id, 1, { ...env, SIGNING_SECRET: "rotated-secret", SIGNING_SECRET_PREVIOUS: OLD });
    const row = await env.DB.prepare("SELECT status, payload FROM email_deliveries WHERE id = ?").bind(id).first();
    expect(row).toEqual({ status: "logged", payload: null });
  });
});
