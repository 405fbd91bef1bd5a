import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem, unique } from "../helpers";
import { checkout, product, readyCart } from "../billing/support";

describe("loyalty vouchers at checkout", () => {
  it("a voucher reduces the total by its value once; used, it cannot be applied or redeemed again; a decline gives it back", async () => {
    const store = await createStore();
    const cus = (await call("POST", "/v1/customers", { token: store.key, body: { email: `${unique("v")}@example.com` } })).body.id;
    const voucher = (await call("POST", `/v1/customers/${cus}/vouchers`, { token: store.key, body: { reason: "promo", amount_off_cents: 500 } })).body;
    const item = await product(store.key, { price_cents: 2000 });

    const declined = await readyCart(store, [{ product_id: item, quantity: 1 }], { customerId: cus, card: "tok_chargeDeclined" });
    expect((await call("POST", `/v1/carts/${declined}/discounts`, { token: store.key, body: { code: voucher.code.toLowerCase() } })).body.total_cents).toBe(1500);
    expectProblem(await checkout(store, declined), 422, "payment_declined");
    expect((await call("GET", `/v1/customers/${cus}/loyalty`, { token: store.key })).body.vouchers.counts.available).toBe(1);

    const cartId = await readyCart(store, [{ product_id: item, quantity: 1 }], { customerId: cus });
    const applied = await call("POST", `/v1/carts/${cartId}/discounts`, { token: store.key, body: { code: voucher.code } });
    expect(applied.body).toMatchObject({ total_cents: 1500, discount_cents: 500, discounts: [expect.objectContaining({ kind: "voucher", amount_cents: 500 })] });
    // The checkout and a manual redemption race: exactly one of them takes the voucher.
    const [paid, manual] = await Promise.all([checkout(store, cartId), call("POST", `/v1/vouchers/${voucher.id}/redeem`, { token: store.key, body: {} })]);
    const winners = [paid.status === 200, manual.status === 200].filter(Boolean);
    expect(winners).toHaveLength(1);
    if (paid.status === 200) {
      const invoice = (await call("GET", `/v1/invoices/${paid.body.invoice_id}`, { token: store.key })).body;
      expect(invoice).toMatchObject({ total_cents: 1500, discount_cents: 500 });
      expectProblem(manual, 409, "voucher_already_redeemed");
    } else {
      expectProblem(paid, 422, "code_not_applicable");
    }
    const other = await readyCart(store, [{ product_id: item, quantity: 1 }], { customerId: cus });
    expectProblem(await call("POST", `/v1/carts/${other}/discounts`, { token: store.key, body: { code: voucher.code } }), 422, "code_not_applicable");
    // Two concurrent checkouts (two keys) of a cart holding a fresh voucher: one order, one redemption.
    const twice = (await call("POST", `/v1/customers/${cus}/vouchers`, { token: store.key, body: { reason: "promo", amount_off_cents: 300 } })).body;
    const racing = await readyCart(store, [{ product_id: item, quantity: 1 }], { customerId: cus });
    await call("POST", `/v1/carts/${racing}/discounts`, { token: store.key, body: { code: twice.code } });
    const both = await Promise.all([checkout(store, racing), checkout(store, racing)]);
    expect(both.filter((r) => r.status === 200)).toHaveLength(1);
    expect(both.find((r) => r.status === 200)!.body.payment_status).toBe("paid");
    const used = (await call("GET", `/v1/customers/${cus}/loyalty`, { token: store.key })).body.vouchers.redeemed.filter((v: { id: string }) => v.id === twice.id);
    expect(used).toHaveLength(1);
    const stranger = await readyCart(store, [{ product_id: item, quantity: 1 }]);
    const fresh = (await call("POST", `/v1/customers/${cus}/vouchers`, { token: store.key, body: { reason: "promo", amount_off_cents: 500 } })).body;
    expectProblem(await call("POST", `/v1/carts/${stranger}/discounts`, { token: store.key, body: { code: fresh.code } }), 422, "code_not_applicable");
  });
});
