import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/context";
import { createDb } from "../../src/db/client";
import { once } from "../../src/modules/idempotency";
import { createProduct, presentProduct } from "../../src/modules/products/products.service";
import { jsonBody } from "../../src/shared/http";
import { call, createStore, unique } from "../helpers";

/**
 * A two-route app around the real kernel and the real product service, with a failure injected
 * either between planning and the batch or after the batch (before any response is sent): the
 * two places a process can die inside a D1-backed command.
 */
function crashApp(crash: { beforeBatch: boolean; afterBatch: boolean }) {
  const app = new Hono<{ Bindings: Bindings; Variables: { db: ReturnType<typeof createDb> } }>();
  app.use("*", async (c, next) => {
    c.set("db", createDb(c.env.DB));
    await next();
  });
  app.use("*", jsonBody());
  app.post("/t/:store/products", async (c) => {
    const storeId = c.req.param("store");
    const body = (await c.req.json()) as { title: string; price_cents: number };
    return once(
      c,
      { storeId },
      () => {
        const write = createProduct(c.var.db, storeId, "USD", body);
        if (crash.beforeBatch) {
          crash.beforeBatch = false;
          throw new Error("injected crash before the batch");
        }
        return write;
      },
      (row) => {
        if (crash.afterBatch) {
          crash.afterBatch = false;
          throw new Error("injected crash after the batch");
        }
        return c.json(presentProduct(row), 201);
      },
    );
  });
  app.onError((err, c) => c.json({ error: err.message }, 500));
  return app;
}

async function send(app: Hono<any>, storeId: string, key: string, title: string) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`http://kernel.test/t/${storeId}/products`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": key },
      body: JSON.stringify({ title, price_cents: 500 }),
    }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, replayed: res.headers.get("Idempotent-Replayed"), body: (await res.json()) as Record<string, unknown> };
}

async function countRows(storeId: string) {
  const products = await env.DB.prepare("SELECT COUNT(*) AS n FROM products WHERE store_id = ?").bind(storeId).first<{ n: number }>();
  const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE store_id = ? AND type = 'product.created'").bind(storeId).first<{ n: number }>();
  return { products: products!.n, events: events!.n };
}

describe("once(): the idempotency record commits with the effect", () => {
  it("a crash between planning and the batch leaves nothing; the retry runs it once", async () => {
    const store = await createStore();
    const app = crashApp({ beforeBatch: true, afterBatch: false });
    const key = unique("key");
    const first = await send(app, store.id, key, "Kettle");
    expect(first.status).toBe(500);
    expect(await countRows(store.id)).toEqual({ products: 0, events: 0 });
    const retry = await send(app, store.id, key, "Kettle");
    expect(retry.status).toBe(201);
    expect(retry.replayed).toBeNull();
    expect(await countRows(store.id)).toEqual({ products: 1, events: 1 });
  });

  it("a crash after the batch leaves everything; the retry replays the first outcome", async () => {
    const store = await createStore();
    const app = crashApp({ beforeBatch: false, afterBatch: true });
    const key = unique("key");
    const first = await send(app, store.id, key, "Teapot");
    expect(first.status).toBe(500);
    expect(await countRows(store.id)).toEqual({ products: 1, events: 1 });
    const retry = await send(app, store.id, key, "Teapot");
    expect(retry.status).toBe(201);
    expect(retry.replayed).toBe("true");
    const again = await send(app, store.id, key, "Teapot");
    expect(again.body.id).toBe(retry.body.id);
    expect(await countRows(store.id)).toEqual({ products: 1, events: 1 });
    const stored = await env.DB.prepare("SELECT id FROM products WHERE store_id = ?").bind(store.id).first<{ id: string }>();
    expect(retry.body.id).toBe(stored!.id);
  });

  it("the same key with another body is refused and changes nothing", async () => {
    const store = await createStore();
    const app = crashApp({ beforeBatch: false, afterBatch: false });
    const key = unique("key");
    expect((await send(app, store.id, key, "Mug")).status).toBe(201);
    const other = await send(app, store.id, key, "Cup");
    expect(other.status).toBe(500); // this bare app renders every error as 500; the real app answers 422
    expect(other.body.error).toMatch(/different request/);
    expect(await countRows(store.id)).toEqual({ products: 1, events: 1 });
  });
});

describe("Idempotency-Key scope: store + method + route, not the credential", () => {
  it("a retry with the store's access token or a second API key replays instead of creating again", async () => {
    const store = await createStore();
    const token = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    const secondKey = await call("POST", "/v1/api-keys", { token: store.key, body: { name: "second" } });
    const key = unique("key");
    const body = { title: "Grinder", price_cents: 12_000 };
    const first = await call("POST", "/v1/products", { token: store.key, body, headers: { "Idempotency-Key": key } });
    const viaToken = await call("POST", "/v1/products", { token: token.body.access_token, body, headers: { "Idempotency-Key": key } });
    const viaKey = await call("POST", "/v1/products", { token: secondKey.body.secret, body, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    expect([viaToken.status, viaKey.status]).toEqual([201, 201]);
    expect([viaToken.headers.get("Idempotent-Replayed"), viaKey.headers.get("Idempotent-Replayed")]).toEqual(["true", "true"]);
    expect(new Set([first.body.id, viaToken.body.id, viaKey.body.id]).size).toBe(1);
    const count = await call("GET", "/v1/products/count", { token: store.key });
    expect(count.body.count).toBe(1);
  });

  it("another store with the same key gets its own effect", async () => {
    const [a, b] = [await createStore(), await createStore()];
    const key = unique("key");
    const body = { title: "Scale", price_cents: 3_000 };
    const ra = await call("POST", "/v1/products", { token: a.key, body, headers: { "Idempotency-Key": key } });
    const rb = await call("POST", "/v1/products", { token: b.key, body, headers: { "Idempotency-Key": key } });
    expect(rb.headers.get("Idempotent-Replayed")).toBeNull();
    expect(ra.body.id).not.toBe(rb.body.id);
  });
});

describe("policy: only successes are remembered", () => {
  it("a refused inventory change is not stored: the same key succeeds once stock allows it", async () => {
    const store = await createStore();
    const product = await call("POST", "/v1/products", { token: store.key, body: { title: "Beans", price_cents: 900, inventory: 1 } });
    const key = unique("key");
    const take = () => call("POST", `/v1/products/${product.body.id}/inventory`, { token: store.key, body: { adjust: -3 }, headers: { "Idempotency-Key": key } });
    expect((await take()).status).toBe(409);
    await call("POST", `/v1/products/${product.body.id}/inventory`, { token: store.key, body: { adjust: 5 } });
    const retried = await take();
    expect(retried.status).toBe(200);
    expect(retried.body.product.inventory).toBe(3);
    const replay = await take();
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    // The replay shows the stock as that change left it, not as it is now.
    await call("POST", `/v1/products/${product.body.id}/inventory`, { token: store.key, body: { adjust: 10 } });
    const later = await take();
    expect(later.body.product.inventory).toBe(3);
    expect(later.body.ledger_entry.quantity_after).toBe(3);
  });
});
