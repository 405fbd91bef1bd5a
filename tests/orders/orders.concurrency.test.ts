import { describe, expect, it } from "vitest";
import { call, createStore, unique } from "../helpers";
import { act, createDraft, draftBody, objectSql, postOrder } from "./fixtures";

describe("concurrent creates with one Idempotency-Key", () => {
  it("creates exactly one order; the other 49 replay it", async () => {
    const store = await createStore();
    const key = unique("race");
    const body = draftBody();
    const results = await Promise.all(Array.from({ length: 50 }, () => postOrder(store, body, key)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(49);
    expect((await call("GET", "/v1/orders/count", { token: store.key })).body.count).toBe(1);
    const events = await objectSql(store.id, "SELECT type FROM outbox");
    expect(events).toEqual([{ type: "order.created" }]);
  });

  it("mixes bodies: the first body wins, every other body is 422", async () => {
    const store = await createStore();
    const key = unique("race");
    const bodies = [draftBody({ notes: "a" }), draftBody({ notes: "b" })];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => postOrder(store, bodies[i % 2], key)));
    const created = results.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    const winner = created[0]!.body.notes;
    expect(created).toHaveLength(10);
    expect(results.filter((r) => r.status === 422 && r.body.code === "idempotency_key_reused")).toHaveLength(10);
    expect(results.filter((r) => r.status === 201).every((r) => r.body.notes === winner)).toBe(true);
  });
});

describe("concurrent transitions with one If-Match", () => {
  it("lets exactly one of 50 confirms win; the rest get 412 with the current version", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const results = await Promise.all(Array.from({ length: 50 }, () => act(store, order.id, "confirm", 1)));
    const won = results.filter((r) => r.status === 200);
    const stale = results.filter((r) => r.status === 412);
    expect(won).toHaveLength(1);
    expect(stale).toHaveLength(49);
    expect(stale.every((r) => r.body.code === "stale_version" && r.body.current_version === 2)).toBe(true);
    const events = await objectSql(store.id, "SELECT type FROM outbox WHERE order_id = ? ORDER BY seq", order.id);
    expect(events.map((e) => e.type)).toEqual(["order.created", "order.confirmed"]);
  });

  it("serializes racing PATCHes and cancels on one version", async () => {
    const store = await createStore();
    const order = await createDraft(store);
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) =>
        call("PATCH", `/v1/orders/${order.id}`, { token: store.key, body: { notes: `n${i}` }, headers: { "If-Match": "1" } }),
      ),
      ...Array.from({ length: 10 }, () => act(store, order.id, "cancel", 1)),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(19);
    expect((await call("GET", `/v1/orders/${order.id}`, { token: store.key })).body.version).toBe(2);
  });
});

describe("keyset pagination under concurrent inserts", () => {
  it("walks 100 orders with limit 7 while 20 more are created, seeing each original exactly once", async () => {
    const store = await createStore();
    const originals: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const created = await Promise.all(Array.from({ length: 20 }, () => createDraft(store, { lines: [] })));
      originals.push(...created.map((o) => o.id));
    }
    const seen: string[] = [];
    const inserts: Array<Promise<unknown>> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/v1/orders?limit=7${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await call("GET", path, { token: store.key });
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.data.map((o: { id: string }) => o.id));
      cursor = page.body.next_cursor;
      pages += 1;
      // Interleave the 20 new orders with the walk: two while each of the first ten pages is read.
      if (inserts.length < 20) inserts.push(createDraft(store, { lines: [] }), createDraft(store, { lines: [] }));
    } while (cursor);
    await Promise.all(inserts);

    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    expect(originals.filter((id) => !seenSet.has(id))).toEqual([]);
    expect(pages).toBeGreaterThanOrEqual(15);
    expect((await call("GET", "/v1/orders/count", { token: store.key })).body.count).toBe(120);
  });
});
