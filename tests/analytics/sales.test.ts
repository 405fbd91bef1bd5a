import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";
import { until } from "../campaigns/support";
import { checkout, product, readyCart } from "../billing/support";

describe("GET /v1/analytics/sales", () => {
  it("two collected invoices, one refund and one coupon: the figures match the invoices to the cent", async () => {
    const store = await createStore({ tax_rate_bps: 825, shipping_flat_cents: 499 });
    const other = await createStore();
    const mug = await product(store.key, { price_cents: 1999 });
    const lamp = await product(store.key, { price_cents: 4550 });
    await call("POST", "/v1/coupon-codes", { token: store.key, body: { code: "SAVE15", percent_off: 15 } });
    const cus = (await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("s")}@example.com` } })).body.id;
    const first = await readyCart(store, [{ product_id: mug, quantity: 3 }], { customerId: cus });
    await call("POST", `/v1/carts/${first}/discounts`, { token: store.key, body: { code: "SAVE15" } });
    const a = (await checkout(store, first)).body;
    const second = await readyCart(store, [{ product_id: lamp, quantity: 1 }, { product_id: mug, quantity: 1 }]);
    const b = (await checkout(store, second)).body;
    const refund = await call("POST", `/v1/invoices/${b.invoice_id}/refunds`, { token: store.key, headers: { "Idempotency-Key": unique("r") }, body: { amount_cents: 1234 } });
    expect(refund.status).toBe(201);
    const invoices = await Promise.all([a.invoice_id, b.invoice_id].map(async (id) => (await call("GET", `/v1/invoices/${id}`, { token: store.key })).body));
    const today = new Date().toISOString().slice(0, 10);
    const report = await until(
      () => call("GET", `/v1/analytics/sales?from=${today}&to=${today}`, { token: store.key }),
      (r) => r.body.intervals?.[0]?.currencies?.[0]?.orders === 2 && r.body.intervals[0].currencies[0].refunds === 1 && r.body.intervals[0].new_customers === 1,
    );
    const revenue = invoices.reduce((sum, i) => sum + i.total_cents, 0);
    expect(report.body.intervals).toEqual([
      {
        start: today,
        new_customers: 1,
        currencies: [
          {
            currency: "USD",
            orders: 2,
            revenue_cents: revenue,
            average_order_cents: Math.floor(revenue / 2),
            refunds: 1,
            refunds_cents: 1234,
            net_revenue_cents: revenue - 1234,
            discounts_cents: invoices[0].discount_cents,
            gift_card_cents: 0,
            credit_cents: 0,
          },
        ],
      },
    ]);
    expect(invoices[0].discount_cents).toBe(Math.floor((1999 * 3 * 15) / 100));
    for (const interval of ["week", "month"]) {
      const grouped = await call("GET", `/v1/analytics/sales?from=${today}&to=${today}&interval=${interval}`, { token: store.key });
      expect(grouped.body.intervals[0].currencies[0].revenue_cents).toBe(revenue);
    }
    expect((await call("GET", `/v1/analytics/sales?from=${today}&to=${today}`, { token: other.key })).body.intervals).toEqual([]);
    expectProblem(await call("GET", `/v1/analytics/sales?from=${today}&to=2020-01-01`, { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/analytics/sales?from=2020-01-01&to=2026-01-01", { token: store.key }), 400, "validation_failed");
    expectProblem(await call("GET", `/v1/analytics/sales?from=${today}&to=${today}&interval=year`, { token: store.key }), 400, "validation_failed");
  });
});
