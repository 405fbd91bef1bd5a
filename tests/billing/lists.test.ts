import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createStore, unique } from "../helpers";

async function walk(token: string, path: string, pick: (body: any) => { data: Array<{ id: string }>; next_cursor: string | null } = (b) => b) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call("GET", `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const page = pick(res.body);
    expect(page.data.length).toBeLessThanOrEqual(100);
    ids.push(...page.data.map((r) => r.id));
    cursor = page.next_cursor;
    pages++;
  } while (cursor && pages < 5);
  expect(new Set(ids).size).toBe(ids.length);
  return { ids, pages };
}

describe("billing and loyalty lists at limit=100 with 105 rows", () => {
  it("invoices (all, by state, by customer) and a customer's stamp ledger", async () => {
    const store = await createStore();
    const customer = (await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("l")}@example.com` } })).body.id;
    const stmts = Array.from({ length: 105 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO invoices (id, store_id, customer_id, currency, state, subtotal_cents, discount_cents, tax_cents, shipping_cents, total_cents, created_at, updated_at) VALUES (?, ?, ?, 'USD', 'collected', 100, 0, 0, 0, 100, ?, ?)",
      ).bind(`inv_list${String(i).padStart(4, "0")}${unique("x").replace(/[^a-z0-9]/gi, "")}`, store.id, customer, new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))).toISOString(), new Date().toISOString()),
    );
    await env.DB.batch(stmts);
    for (const path of ["/v1/invoices", "/v1/invoices?state=collected", `/v1/invoices?customer_id=${customer}`, `/v1/customers/${customer}/invoices`]) {
      const { ids, pages } = await walk(store.key, path);
      expect(ids, path).toHaveLength(105);
      expect(pages).toBe(2);
    }
    for (let i = 0; i < 105; i += 15) await Promise.all(Array.from({ length: 15 }, () => call("POST", `/v1/customers/${customer}/stamps`, { token: store.key, body: { stamps: 1, reason: "list" } })));
    const ledger = await walk(store.key, `/v1/customers/${customer}/loyalty`, (b) => b.ledger);
    expect(ledger.ids).toHaveLength(105);
  });
});
