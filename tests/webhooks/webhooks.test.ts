import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../client";
import { webhookUrlProblem } from "../../src/modules/webhooks/webhooks.urls";
import { call, createStore, expectProblem, unique } from "../helpers";

type Received = { method: string; path: string; headers: Record<string, string>; body: string };

async function sink(name: string, program?: unknown) {
  if (program) await fetch(`${env.SINK_URL}/_control/${name}`, { method: "POST", body: JSON.stringify(program) });
  return `${env.SINK_URL}/${name}/hook`;
}
const received = async (name: string) => (await (await fetch(`${env.SINK_URL}/_requests/${name}`)).json()) as Received[];

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    value = await read();
  }
  return value;
}

async function subscribe(key: string, url: string, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/webhook-endpoints", { token: key, body: { url, ...body } });
  if (res.status !== 201) throw new Error(`endpoint: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; secret: string };
}

async function placeOrder(key: string) {
  const created = await call("POST", "/v1/orders", { token: key, headers: { "Idempotency-Key": unique("o") }, body: { currency: "USD", lines: [{ title: "Custom", unit_price_cents: 500, quantity: 1 }] } });
  const confirmed = await call("POST", `/v1/orders/${created.body.id}/confirm`, { token: key, headers: { "If-Match": '"1"' } });
  const closed = await call("POST", `/v1/orders/${created.body.id}/close`, { token: key, headers: { "If-Match": `"${confirmed.body.version}"` } });
  expect(closed.status).toBe(200);
  return created.body.id as string;
}

describe("webhook endpoints", () => {
  it("refuses private, link-local and (in production) loopback URLs at create", async () => {
    const store = await createStore();
    for (const url of ["https://10.0.0.1/x", "https://169.254.169.254/latest", "https://192.168.1.1/", "https://[fe80::1]/", "https://[::ffff:10.0.0.1]/", "ftp://example.com/", "https://user:pw@example.com/"]) {
      expectProblem(await call("POST", "/v1/webhook-endpoints", { token: store.key, body: { url } }), 400, "validation_failed");
    }
    expect(webhookUrlProblem("http://[::1]:8080/", false)).toMatch(/Loopback/);
    expect(webhookUrlProblem("http://127.0.0.1/", false)).toMatch(/Loopback/);
    expect(webhookUrlProblem("https://hooks.example.com/x", false)).toBeNull();
    expect((await call("GET", "/v1/webhook-endpoints", { token: store.key })).body.data).toEqual([]);
  });

  it("an order created, confirmed and closed: three events in order in GET /v1/events, three verified deliveries; other stores see none", async () => {
    const store = await createStore();
    const other = await createStore();
    const name = unique("orders");
    const endpoint = await subscribe(store.key, await sink(name));
    const orderId = await placeOrder(store.key);
    const deliveries = await until(() => received(name), (r) => r.length >= 3);
    const events = deliveries.map((d) => verifyWebhook(endpoint.secret, d.body, d.headers));
    expect(events.map((e) => e.type).sort()).toEqual(["order.closed", "order.confirmed", "order.created"]);
    expect(events.every((e) => e.resource.id === orderId)).toBe(true);
    expect(new Set(deliveries.map((d) => d.headers["webhook-id"]))).toEqual(new Set(events.map((e) => e.id)));
    const log = await call("GET", `/v1/events?resource_id=${orderId}`, { token: store.key });
    expect(log.body.data.map((e: { type: string }) => e.type).reverse()).toEqual(["order.created", "order.confirmed", "order.closed"]);
    expect((await call("GET", `/v1/events/${log.body.data[0].id}`, { token: store.key })).body.id).toBe(log.body.data[0].id);
    expectProblem(await call("GET", `/v1/events/${log.body.data[0].id}`, { token: other.key }), 404, "not_found");
    expect((await call("GET", `/v1/events?resource_id=${orderId}`, { token: other.key })).body.data).toEqual([]);
    const list = await call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries?status=succeeded`, { token: store.key });
    expect(list.body.data).toHaveLength(3);
    expectProblem(await call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: other.key }), 404, "not_found");
    // A tampered body or an old timestamp fails verification.
    const first = deliveries[0]!;
    expect(() => verifyWebhook(endpoint.secret, first.body.replace("order.", "orders."), first.headers)).toThrow();
    expect(() => verifyWebhook(endpoint.secret, first.body, { ...first.headers, "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 3600) })).toThrow();
  });

  it("500 then 200: the event arrives exactly twice with the same webhook-id, the second marked as a retry; redeliver sends it again", async () => {
    const store = await createStore();
    const name = unique("flaky");
    const endpoint = await subscribe(store.key, await sink(name, { responses: [{ status: 500, body: "boom" }], default: { status: 200 } }), { event_types: ["product.created"] });
    await call("POST", "/v1/products", { token: store.key, body: { title: "Lamp", price_cents: 100 } });
    const got = await until(() => received(name), (r) => r.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    const all = await received(name);
    expect(all).toHaveLength(2);
    expect(all[0]!.headers["webhook-id"]).toBe(all[1]!.headers["webhook-id"]);
    expect([all[0]!.headers["webhook-attempt"], all[1]!.headers["webhook-attempt"]]).toEqual(["1", "2"]);
    expect(got.every((d) => verifyWebhook(endpoint.secret, d.body, d.headers).type === "product.created")).toBe(true);
    const list = await until(() => call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: store.key }), (r) => r.body.data[0]?.status === "succeeded");
    const delivery = list.body.data[0];
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 2, response_status: 200 });
    const again = await call("POST", `/v1/webhook-deliveries/${delivery.id}/redeliver`, { token: store.key });
    expect(again.status).toBe(202);
    const third = await until(() => received(name), (r) => r.length >= 3);
    expect(third[2]!.headers["webhook-id"]).toBe(all[0]!.headers["webhook-id"]);
    expect(third[2]!.headers["webhook-attempt"]).toBe("3");
  });

  it("an endpoint failing past the threshold is disabled, with an event; a test event reaches only its endpoint", async () => {
    const store = await createStore();
    const name = unique("down");
    const endpoint = await subscribe(store.key, await sink(name, { default: { status: 503 } }), { event_types: ["product.created"] });
    for (const title of ["A", "B"]) await call("POST", "/v1/products", { token: store.key, body: { title, price_cents: 100 } });
    const disabled = await until(() => call("GET", `/v1/webhook-endpoints/${endpoint.id}`, { token: store.key }), (r) => r.body.enabled === false, 30_000);
    expect(disabled.body).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/consecutive/) });
    const failed = await call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries?status=failed`, { token: store.key });
    expect(failed.body.data.length).toBeGreaterThanOrEqual(2);
    expect(failed.body.data[0].attempts).toBe(8);
    const events = await until(() => call("GET", "/v1/events?type=webhook_endpoint.disabled", { token: store.key }), (r) => r.body.data.length > 0);
    expect(events.body.data[0].resource_id).toBe(endpoint.id);

    const okName = unique("ok");
    const ok = await subscribe(store.key, await sink(okName), { event_types: ["order.created"] });
    const test = await call("POST", `/v1/webhook-endpoints/${ok.id}/test`, { token: store.key });
    expect(test.status).toBe(202);
    const got = await until(() => received(okName), (r) => r.length >= 1);
    expect(verifyWebhook(ok.secret, got[0]!.body, got[0]!.headers).type).toBe("webhook.test");
  });

  it("rotating the secret signs with both for a day; another store's endpoint is 404 everywhere", async () => {
    const store = await createStore();
    const other = await createStore();
    const name = unique("rotate");
    const endpoint = await subscribe(store.key, await sink(name), { event_types: ["product.created"] });
    const rotated = await call("POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { token: store.key });
    expect(rotated.headers.get("Cache-Control")).toBe("no-store");
    await call("POST", "/v1/products", { token: store.key, body: { title: "Vase", price_cents: 100 } });
    const [delivery] = await until(() => received(name), (r) => r.length >= 1);
    expect(delivery!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verifyWebhook(endpoint.secret, delivery!.body, delivery!.headers).type).toBe("product.created");
    expect(verifyWebhook(rotated.body.secret, delivery!.body, delivery!.headers).type).toBe("product.created");
    for (const [method, path] of [
      ["GET", `/v1/webhook-endpoints/${endpoint.id}`],
      ["DELETE", `/v1/webhook-endpoints/${endpoint.id}`],
      ["POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`],
      ["POST", `/v1/webhook-endpoints/${endpoint.id}/test`],
    ] as const) {
      expectProblem(await call(method, path, { token: other.key }), 404, "not_found");
    }
  });

  it("refuses a private address at delivery too (a row that got past create, e.g. an older rule)", async () => {
    const store = await createStore();
    const endpoint = await subscribe(store.key, await sink(unique("later")), { event_types: ["product.created"] });
    await env.DB.prepare("UPDATE webhook_endpoints SET url = 'https://10.1.2.3/hook' WHERE id = ?").bind(endpoint.id).run();
    await call("POST", "/v1/products", { token: store.key, body: { title: "Rug", price_cents: 100 } });
    const list = await until(() => call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: store.key }), (r) => r.body.data[0]?.status === "failed");
    expect(list.body.data[0]).toMatchObject({ status: "failed", attempts: 1, last_error: expect.stringMatching(/^Refused/) });
  });
});
