import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";
import { act, createCustomer, createDraft, draftBody, line, objectSql, postOrder } from "./fixtures";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("POST /v1/orders", () => {
  it("creates a draft with computed totals, an ETag and a Location", async () => {
    const store = await createStore();
    const customer = await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("c")}@example.com` } });
    const res = await postOrder(store, {
      customer_id: customer.body.id,
      currency: "eur",
      lines: [line({ quantity: 3, unit_price_cents: 199 }), line({ title: "Mug", quantity: 1, unit_price_cents: 5000 })],
      notes: "Leave at the door",
      metadata: { channel: "pos" },
    });
    expect(res.status).toBe(201);
    const order = res.body;
    expect(order.id).toMatch(/^ord_[0-9A-Za-z]{22}$/);
    expect(order).toMatchObject({
      status: "draft",
      customer_id: customer.body.id,
      currency: "EUR",
      subtotal_cents: 5597,
      total_cents: 5597,
      notes: "Leave at the door",
      metadata: { channel: "pos" },
      cancellation_reason: null,
      version: 1,
      confirmed_at: null,
      closed_at: null,
      shipped_at: null,
      delivered_at: null,
      canceled_at: null,
    });
    expect(order).not.toHaveProperty("store_id");
    expect(order.created_at).toMatch(ISO);
    expect(order.updated_at).toBe(order.created_at);
    expect(order.lines).toHaveLength(2);
    expect(order.lines[0]).toMatchObject({ product_id: null, custom: true, quantity: 3, unit_price_cents: 199, total_cents: 597, title: "Beans" });
    expect(order.lines[0].id).toMatch(/^oli_/);
    expect(order.lines[1].title).toBe("Mug");
    expect(res.headers.get("ETag")).toBe('"1"');
    expect(res.headers.get("Location")).toBe(`/v1/orders/${order.id}`);
    expect(res.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("defaults to the store's currency and an empty draft", async () => {
    const store = await createStore({ currency: "JPY" });
    const res = await postOrder(store, {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ currency: "JPY", lines: [], total_cents: 0, customer_id: null, notes: null, metadata: {} });
  });

  it("requires a valid Idempotency-Key", async () => {
    const store = await createStore();
    expectProblem(await call("POST", "/v1/orders", { token: store.key, body: draftBody() }), 400, "idempotency_key_missing");
    expectProblem(
      await call("POST", "/v1/orders", { token: store.key, body: draftBody(), headers: { "Idempotency-Key": "x".repeat(256) } }),
      400,
      "invalid_idempotency_key",
    );
  });

  it("rejects invalid input with field paths", async () => {
    const store = await createStore();
    const res = await postOrder(store, {
      currency: "XXX",
      lines: [line({ quantity: 0 }), line({ quantity: 10_001 }), line({ unit_price_cents: 1.5 }), { product_id: "sku-1", quantity: 1 }],
      colour: "red",
    });
    expectProblem(res, 400, "validation_failed");
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["colour", "currency", "lines[0].quantity", "lines[1].quantity", "lines[2].unit_price_cents", "lines[3].product_id"]);
    expectProblem(await postOrder(store, draftBody({ lines: Array.from({ length: 101 }, () => line()) })), 400, "validation_failed");
    expectProblem(await postOrder(store, draftBody({ lines: [{ ...line(), discount: 1 }] })), 400, "validation_failed");
  });

  it("enforces metadata limits", async () => {
    const store = await createStore();
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expectProblem(await postOrder(store, draftBody({ metadata: many })), 400, "validation_failed");
    expectProblem(await postOrder(store, draftBody({ metadata: { ["k".repeat(41)]: "v" } })), 400, "validation_failed");
    expectProblem(await postOrder(store, draftBody({ metadata: { k: "v".repeat(501) } })), 400, "validation_failed");
    expectProblem(await postOrder(store, draftBody({ metadata: { k: 1 } })), 400, "validation_failed");
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v".repeat(500)]));
    expect((await postOrder(store, draftBody({ metadata: fifty }))).status).toBe(201);
  });

  it("refuses a total out of the safe range without remembering the key", async () => {
    const store = await createStore({ max_item_quantity: 10_000 });
    const key = unique("overflow");
    const huge = Array.from({ length: 100 }, () => line({ quantity: 10_000, unit_price_cents: 100_000_000_000 }));
    const res = await postOrder(store, draftBody({ lines: huge }), key);
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors[0].path).toBe("lines");
    // Nothing ran, so nothing was stored: the key is still free for a corrected request.
    expect((await postOrder(store, draftBody(), key)).status).toBe(201);
  });

  it("replays the same key and body, refuses another body, and scopes keys to the store, not the credential", async () => {
    const store = await createStore();
    const key = unique("idem");
    const body = draftBody({ metadata: { a: "1", b: "2" } });
    const first = await postOrder(store, body, key);
    expect(first.status).toBe(201);
    // Same content, other key order: the same request.
    const reordered = { metadata: { b: "2", a: "1" }, lines: body.lines, currency: body.currency };
    const again = await postOrder(store, reordered, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("ETag")).toBe('"1"');
    expect(again.body).toEqual(first.body);

    expectProblem(await postOrder(store, draftBody(), key), 422, "idempotency_key_reused");

    const other = await createStore();
    const elsewhere = await postOrder(other, body, key);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers.get("Idempotent-Replayed")).toBeNull();
    expect(elsewhere.body.id).not.toBe(first.body.id);

    const secondKey = await call("POST", "/v1/api-keys", { token: store.key, body: { name: "second" } });
    const viaOtherCredential = await call("POST", "/v1/orders", {
      token: secondKey.body.secret,
      body,
      headers: { "Idempotency-Key": key },
    });
    expect(viaOtherCredential.status).toBe(201);
    expect(viaOtherCredential.headers.get("Idempotent-Replayed")).toBe("true");
    expect(viaOtherCredential.body.id).toBe(first.body.id);
  });

  it("keeps replaying the first response after the order moved on", async () => {
    const store = await createStore();
    const key = unique("idem");
    const body = draftBody();
    const first = await postOrder(store, body, key);
    expect((await act(store, first.body.id, "confirm", 1)).status).toBe(200);
    const replay = await postOrder(store, body, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect(replay.body.status).toBe("draft");
  });
});

describe("GET /v1/orders/{id}", () => {
  it("returns the order with its ETag", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const res = await call("GET", `/v1/orders/${order.id}`, { token: store.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(order);
    expect(res.headers.get("ETag")).toBe('"1"');
  });

  it("answers 404 for unknown and malformed ids", async () => {
    const store = await createStore();
    expectProblem(await call("GET", "/v1/orders/ord_doesnotexist", { token: store.key }), 404, "not_found");
    expectProblem(await call("GET", "/v1/orders/prod_abc", { token: store.key }), 404, "not_found");
    expectProblem(await call("GET", "/v1/orders/ord_x"), 401, "unauthenticated");
  });
});

describe("PATCH /v1/orders/{id}", () => {
  it("edits a draft: replaces lines, recomputes totals, merges metadata", async () => {
    const store = await createStore();
    const order = await createDraft(store, draftBody({ metadata: { keep: "1", drop: "2" }, customer_id: (await createCustomer(store)).id }));
    const res = await call("PATCH", `/v1/orders/${order.id}`, {
      token: store.key,
      headers: { "If-Match": '"1"' },
      body: {
        lines: [line({ quantity: 4, unit_price_cents: 300 })],
        metadata: { drop: null, add: "3" },
        customer_id: null,
        notes: "gift",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("ETag")).toBe('"2"');
    expect(res.body).toMatchObject({
      version: 2,
      subtotal_cents: 1200,
      total_cents: 1200,
      metadata: { keep: "1", add: "3" },
      customer_id: null,
      notes: "gift",
      created_at: order.created_at,
    });
    expect(res.body.lines).toHaveLength(1);
    const cleared = await call("PATCH", `/v1/orders/${order.id}`, { token: store.key, headers: { "If-Match": "2" }, body: { metadata: null } });
    expect(cleared.body.metadata).toEqual({});
    expect(cleared.body.lines).toEqual(res.body.lines);
    expect((await call("GET", `/v1/orders/${order.id}`, { token: store.key })).body).toEqual(cleared.body);
  });

  it("requires a current If-Match", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const path = `/v1/orders/${order.id}`;
    expectProblem(await call("PATCH", path, { token: store.key, body: { notes: "x" } }), 428, "precondition_required");
    expectProblem(await call("PATCH", path, { token: store.key, body: { notes: "x" }, headers: { "If-Match": "one" } }), 400, "invalid_if_match");
    const stale = await call("PATCH", path, { token: store.key, body: { notes: "x" }, headers: { "If-Match": '"7"' } });
    expectProblem(stale, 412, "stale_version");
    expect(stale.body.current_version).toBe(1);
    expect(stale.headers.get("ETag")).toBe('"1"');
  });

  it("refuses empty and unknown changes", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const path = `/v1/orders/${order.id}`;
    expectProblem(await call("PATCH", path, { token: store.key, body: {}, headers: { "If-Match": "1" } }), 400, "validation_failed");
    expectProblem(await call("PATCH", path, { token: store.key, body: { status: "closed" }, headers: { "If-Match": "1" } }), 400, "validation_failed");
    const crowded = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`a${i}`, "v"]));
    const edited = await call("PATCH", path, { token: store.key, body: { metadata: crowded }, headers: { "If-Match": "1" } });
    expect(edited.status).toBe(200);
    const more = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`b${i}`, "v"]));
    const over = await call("PATCH", path, { token: store.key, body: { metadata: more }, headers: { "If-Match": "2" } });
    expectProblem(over, 400, "validation_failed");
    expect(over.body.errors[0].path).toBe("metadata");
  });

  it("only edits drafts", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    await act(store, order.id, "confirm", 1);
    const res = await call("PATCH", `/v1/orders/${order.id}`, { token: store.key, body: { notes: "x" }, headers: { "If-Match": "2" } });
    expectProblem(res, 409, "order_not_editable");
  });
});

describe("order transitions", () => {
  it("walks draft → confirmed → closed → shipped → delivered, stamping each time", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    let version = order.version;
    const steps = [
      ["confirm", "confirmed", "confirmed_at"],
      ["close", "closed", "closed_at"],
      ["ship", "shipped", "shipped_at"],
      ["deliver", "delivered", "delivered_at"],
    ] as const;
    for (const [action, status, stamp] of steps) {
      const res = await act(store, order.id, action, version);
      expect(res.status, action).toBe(200);
      expect(res.body.status).toBe(status);
      expect(res.body[stamp]).toMatch(ISO);
      expect(res.body.version).toBe(version + 1);
      expect(res.headers.get("ETag")).toBe(`"${version + 1}"`);
      expect(res.body.total_cents).toBe(order.total_cents);
      version = res.body.version;
    }
    const final = (await call("GET", `/v1/orders/${order.id}`, { token: store.key })).body;
    expect(final.canceled_at).toBeNull();
    expect(final.updated_at).toBe(final.delivered_at);
  });

  it("cancels with a reason from draft, confirmed and closed", async () => {
    const store = await createStore();
    for (const path of [[], ["confirm"], ["confirm", "close"]]) {
      const order = await createDraft(store);
      let version = 1;
      for (const action of path) version = (await act(store, order.id, action, version)).body.version;
      const res = await act(store, order.id, "cancel", version, { cancellation_reason: "customer" });
      expect(res.status, path.join(",")).toBe(200);
      expect(res.body).toMatchObject({ status: "canceled", cancellation_reason: "customer" });
      expect(res.body.canceled_at).toMatch(ISO);
    }
    const order = await createDraft(store);
    expectProblem(await act(store, order.id, "cancel", 1, { cancellation_reason: "bored" }), 400, "validation_failed");
    const plain = await act(store, order.id, "cancel", 1);
    expect(plain.body.cancellation_reason).toBeNull();
  });

  it("refuses illegal transitions with 409 invalid_transition", async () => {
    const store = await createStore();
    const draft = await createDraft(store);
    for (const action of ["close", "ship", "deliver"]) {
      expectProblem(await act(store, draft.id, action, 1), 409, "invalid_transition");
    }
    const canceled = await createDraft(store);
    await act(store, canceled.id, "cancel", 1);
    for (const action of ["confirm", "close", "ship", "deliver", "cancel"]) {
      expectProblem(await act(store, canceled.id, action, 2), 409, "invalid_transition");
    }
    const shipped = await createDraft(store);
    for (const [i, action] of ["confirm", "close", "ship"].entries()) await act(store, shipped.id, action, i + 1);
    expectProblem(await act(store, shipped.id, "cancel", 4), 409, "invalid_transition");
    expectProblem(await act(store, shipped.id, "ship", 4), 409, "invalid_transition");
    // Nothing changed on refusal.
    expect((await call("GET", `/v1/orders/${shipped.id}`, { token: store.key })).body.version).toBe(4);
  });

  it("checks the version before the transition", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const stale = await act(store, order.id, "ship", 9);
    expectProblem(stale, 412, "stale_version");
    expect(stale.body.current_version).toBe(1);
  });

  it("needs a line to confirm, If-Match, and no unknown body fields", async () => {
    const store = await createStore();
    const empty = await createDraft(store, { lines: [] });
    expectProblem(await act(store, empty.id, "confirm", 1), 422, "order_empty");
    const order = await createDraft(store);
    expectProblem(await act(store, order.id, "confirm", null), 428, "precondition_required");
    expectProblem(await act(store, order.id, "confirm", "latest"), 400, "invalid_if_match");
    expectProblem(await act(store, order.id, "confirm", 1, { total_cents: 1 }), 400, "validation_failed");
    expect((await act(store, order.id, "confirm", 'W/"1"', {})).status).toBe(200);
  });

  it("replays a transition sent again with the same Idempotency-Key", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const key = unique("confirm");
    const first = await act(store, order.id, "confirm", 1, undefined, { "Idempotency-Key": key });
    expect(first.status).toBe(200);
    // The reply was lost; the client retries as it was.
    const retry = await act(store, order.id, "confirm", 1, undefined, { "Idempotency-Key": key });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    // Without the key, the same retry is a plain stale write.
    expectProblem(await act(store, order.id, "confirm", 1), 412, "stale_version");
    // The same key for another order is another request.
    const other = await createDraft(store);
    expectProblem(await act(store, other.id, "confirm", 1, undefined, { "Idempotency-Key": key }), 422, "idempotency_key_reused");
  });
});

describe("events", () => {
  it("writes exactly one event per mutation, atomically with it", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    await call("PATCH", `/v1/orders/${order.id}`, { token: store.key, body: { notes: "n" }, headers: { "If-Match": "1" } });
    let version = 2;
    for (const action of ["confirm", "close", "ship", "deliver"]) version = (await act(store, order.id, action, version)).body.version;
    const canceled = await createDraft(store);
    await act(store, canceled.id, "cancel", 1);
    // Refusals and replays write nothing.
    await act(store, order.id, "cancel", version);
    await act(store, order.id, "deliver", 1);

    const events = await objectSql<{ type: string; order_id: string; order_version: number; payload: string; id: string }>(
      store.id,
      "SELECT id, type, order_id, order_version, payload FROM outbox ORDER BY seq",
    );
    expect(events.map((e) => [e.type, e.order_id === order.id ? "a" : "b", e.order_version])).toEqual([
      ["order.created", "a", 1],
      ["order.updated", "a", 2],
      ["order.confirmed", "a", 3],
      ["order.closed", "a", 4],
      ["order.shipped", "a", 5],
      ["order.delivered", "a", 6],
      ["order.created", "b", 1],
      ["order.canceled", "b", 2],
    ]);
    const closed = JSON.parse(events[3]!.payload);
    expect(closed).toMatchObject({ id: events[3]!.id, type: "order.closed", store_id: store.id });
    expect(closed.id).toMatch(/^evt_/);
    expect(closed.data.order).toMatchObject({ id: order.id, status: "closed", version: 4 });
  });
});

describe("GET /v1/orders and /v1/orders/count", () => {
  it("filters by status, customer and time windows, newest first", async () => {
    const store = await createStore();
    const alice = (await createCustomer(store)).id;
    const bob = (await createCustomer(store)).id;
    const a = await createDraft(store, draftBody({ customer_id: alice }));
    const b = await createDraft(store, draftBody({ customer_id: bob }));
    const c = await createDraft(store, draftBody({ customer_id: alice }));
    for (const [i, action] of ["confirm", "close", "ship"].entries()) await act(store, b.id, action, i + 1);
    await act(store, c.id, "cancel", 1);
    const shippedAt = (await call("GET", `/v1/orders/${b.id}`, { token: store.key })).body.shipped_at;

    const list = async (query: string) => {
      const res = await call("GET", `/v1/orders?${query}`, { token: store.key });
      expect(res.status, query).toBe(200);
      const count = await call("GET", `/v1/orders/count?${query}`, { token: store.key });
      expect(count.body.count, query).toBe(res.body.data.length);
      return res.body.data.map((o: { id: string }) => o.id);
    };
    expect(await list("")).toEqual([c.id, b.id, a.id].sort(byCreated([a, b, c])));
    expect(await list("status=draft")).toEqual([a.id]);
    expect(await list("status=canceled")).toEqual([c.id]);
    expect((await list(`customer_id=${alice}`)).sort()).toEqual([a.id, c.id].sort());
    expect(await list(`shipped_after=${encodeURIComponent(new Date(Date.parse(shippedAt) - 1).toISOString())}`)).toEqual([b.id]);
    expect(await list(`shipped_before=${encodeURIComponent(shippedAt)}`)).toEqual([]);
    expect(await list("canceled_after=2000-01-01T00:00:00Z")).toEqual([c.id]);
    expect(await list("delivered_after=2000-01-01T00:00:00Z")).toEqual([]);
    expect((await list("created_after=2000-01-01T00:00:00%2B02:00")).length).toBe(3);
    expect(await list("created_before=2000-01-01T00:00:00Z")).toEqual([]);
    expect(await list(`status=draft&customer_id=${bob}`)).toEqual([]);

    const customer = await call("GET", `/v1/customers/${alice}/orders`, { token: store.key });
    expect(customer.status).toBe(200);
    expect(customer.body.data.map((o: { id: string }) => o.id).sort()).toEqual([a.id, c.id].sort());
    expect(customer.body.data[0].lines).toHaveLength(1);
    const customerDrafts = await call("GET", `/v1/customers/${alice}/orders?status=draft`, { token: store.key });
    expect(customerDrafts.body.data.map((o: { id: string }) => o.id)).toEqual([a.id]);
    expectProblem(await call("GET", "/v1/customers/prod_1/orders", { token: store.key }), 404, "not_found");
  });

  it("validates limits, timestamps, statuses and cursors", async () => {
    const store = await createStore();
    for (let i = 0; i < 3; i++) await createDraft(store);
    expectProblem(await call("GET", "/v1/orders?limit=0", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/orders?limit=101", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/orders?created_after=yesterday", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/orders/count?shipped_before=2026-13-01T00:00:00Z", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/orders?status=paid", { token: store.key }), 400, "validation_failed");

    const page = await call("GET", "/v1/orders?limit=1", { token: store.key });
    const cursor: string = page.body.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const tampered = cursor.slice(0, 5) + (cursor[5] === "A" ? "B" : "A") + cursor.slice(6);
    expectProblem(await call("GET", `/v1/orders?limit=1&cursor=${tampered}`, { token: store.key }), 400, "invalid_cursor");
    expectProblem(await call("GET", "/v1/orders?cursor=garbage", { token: store.key }), 400, "invalid_cursor");
    // A cursor is bound to its filters and its store.
    expectProblem(await call("GET", `/v1/orders?status=draft&cursor=${cursor}`, { token: store.key }), 400, "invalid_cursor");
    const other = await createStore();
    expectProblem(await call("GET", `/v1/orders?limit=1&cursor=${cursor}`, { token: other.key }), 400, "invalid_cursor");
    const next = await call("GET", `/v1/orders?limit=1&cursor=${cursor}`, { token: store.key });
    expect(next.status).toBe(200);
    expect(next.body.data[0].id).not.toBe(page.body.data[0].id);
  });
});

function byCreated(orders: Array<{ id: string; created_at: string }>) {
  const key = new Map(orders.map((o) => [o.id, o.created_at]));
  return (x: string, y: string) => {
    const cx = key.get(x)!;
    const cy = key.get(y)!;
    return cx === cy ? (x < y ? 1 : -1) : cx < cy ? 1 : -1;
  };
}

describe("tenancy", () => {
  it("answers 404 for another store's order on every route and never lists it", async () => {
    const owner = await createStore();
    const other = await createStore();
    const shared = (await createCustomer(owner)).id;
    const order = await createDraft(owner, draftBody({ customer_id: shared }));
    const path = `/v1/orders/${order.id}`;
    expectProblem(await call("GET", path, { token: other.key }), 404, "not_found");
    expectProblem(await call("PATCH", path, { token: other.key, body: { notes: "x" }, headers: { "If-Match": "1" } }), 404, "not_found");
    for (const action of ["confirm", "close", "ship", "deliver", "cancel"]) {
      expectProblem(await act(other, order.id, action, 1), 404, "not_found");
      expectProblem(await act(other, order.id, action, 1, undefined, { "Idempotency-Key": unique("k") }), 404, "not_found");
    }
    expect((await call("GET", "/v1/orders", { token: other.key })).body.data).toEqual([]);
    expect((await call("GET", "/v1/orders/count", { token: other.key })).body.count).toBe(0);
    expect((await call("GET", `/v1/customers/${shared}/orders`, { token: other.key })).body.data).toEqual([]);
    // An X-Tenant-Id naming the owner does not help.
    expectProblem(await call("GET", path, { token: other.key, headers: { "X-Tenant-Id": owner.id } }), 403, "tenant_mismatch");
    // And the owner's order is untouched.
    const mine = await call("GET", path, { token: owner.key });
    expect(mine.body.version).toBe(1);
    expect(mine.body.notes).toBeNull();
  });
});

describe("OpenAPI", () => {
  it("documents every order route", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    for (const path of [
      "/v1/orders",
      "/v1/orders/count",
      "/v1/orders/{id}",
      "/v1/orders/{id}/confirm",
      "/v1/orders/{id}/close",
      "/v1/orders/{id}/ship",
      "/v1/orders/{id}/deliver",
      "/v1/orders/{id}/cancel",
      "/v1/customers/{id}/orders",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.paths["/v1/orders/{id}"])).toEqual(expect.arrayContaining(["get", "patch"]));
    expect(doc.components.schemas.Order).toBeDefined();
  });
});
