import { describe, expect, it } from "vitest";
import bundled from "../../src/modules/orders/object-migrations";
import generated from "../../src/modules/orders/object-migrations/migrations.js";

describe("the order stream's migrations", () => {
  it("bundles exactly what drizzle-kit generated (run object-migrations/sync.mjs after generating)", () => {
    expect(bundled.journal.entries.map((e) => e.tag)).toEqual(generated.journal.entries.map((e) => e.tag));
    expect(bundled.migrations).toEqual(generated.migrations);
  });
});

describe("upgrading an object created before custom lines and store-scoped keys", () => {
  it("keeps its orders and lines and collapses keys two credentials used into one record", async () => {
    const { runInDurableObject } = await import("cloudflare:test");
    const { OrderLedger } = await import("../../src/modules/orders/orders.ledger");
    const { createStore } = await import("../helpers");
    const { stub } = await import("./fixtures");
    const store = await createStore();
    const result = await runInDurableObject(stub(store.id), (_instance, state) => {
      const sql = state.storage.sql;
      for (const table of ["orders", "order_lines", "idempotency_records", "outbox", "stream_meta"]) sql.exec(`DROP TABLE IF EXISTS ${table}`);
      // The schema as version 1 shipped it.
      sql.exec("CREATE TABLE stream_meta (key TEXT PRIMARY KEY, value)");
      for (const statement of bundled.migrations.m0000.split("--> statement-breakpoint")) sql.exec(statement);
      sql.exec("INSERT INTO stream_meta (key, value) VALUES ('schema_version', 1)");
      sql.exec(
        `INSERT INTO orders (id, status, currency, subtotal_cents, total_cents, metadata, version, created_at, updated_at)
         VALUES ('ord_old1', 'draft', 'USD', 500, 500, '{}', 1, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')`,
      );
      sql.exec(
        "INSERT INTO order_lines (order_id, position, id, product_id, title, quantity, unit_price_cents, total_cents) VALUES ('ord_old1', 0, 'oli_1', 'prod_1', 'Beans', 1, 500, 500)",
      );
      const now = Date.now();
      for (const [credential, at] of [["key_a", now - 10], ["key_b", now]] as const) {
        sql.exec(
          "INSERT INTO idempotency_records VALUES (?, 'POST', '/v1/orders', 'k1', 'h', 201, ?, ?)",
          credential,
          JSON.stringify({ by: credential }),
          at,
        );
      }
      const ledger = new OrderLedger(state.storage);
      ledger.migrate();
      return {
        version: ledger.getMeta("schema_version"),
        order: ledger.load("ord_old1"),
        record: ledger.findResponse({ method: "POST", route: "/v1/orders", key: "k1", requestHash: "h" }, now),
        records: sql.exec("SELECT COUNT(*) AS n FROM idempotency_records").one().n,
      };
    });
    expect(result.version).toBe(bundled.journal.entries.length);
    expect(result.order?.lines).toEqual([
      { id: "oli_1", product_id: "prod_1", title: "Beans", custom: false, quantity: 1, unit_price_cents: 500, total_cents: 500 },
    ]);
    expect(result.records).toBe(1);
    expect(JSON.parse(result.record!.body)).toEqual({ by: "key_b" });
  });
});
