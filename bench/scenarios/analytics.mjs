// Analytics for `npm run bench`: the top cart items of a day and the sales report of a month, both
// read from rollups the bus keeps, against the same run's D1 read ceiling. Setup makes 50 products
// added to 40 carts (the counts) and 20 checkouts with a refund (the sales).
import { randomUUID } from "node:crypto";

export default {
  name: "analytics",

  async setup(ctx) {
    const store = await ctx.createStore();
    const products = [];
    for (let i = 0; i < 50; i++) products.push((await ctx.json("POST", "/v1/products", { token: store.key, body: { title: `Bench ${i}`, price_cents: 100 + i, inventory: 100_000 } })).body.id);
    for (let c = 0; c < 20; c++) {
      const cart = await ctx.json("POST", "/v1/carts", { body: { store_id: store.id, email: "bench@example.com" } });
      const auth = { token: cart.body.cart_token };
      const path = `/v1/carts/${cart.body.id}`;
      await ctx.json("POST", `${path}/items`, { ...auth, body: { items: products.slice(c, c + 5).map((product_id) => ({ product_id, quantity: 1 })) } });
      await ctx.json("POST", `${path}/addresses`, { ...auth, body: { line1: "1 Bench St", city: "Sydney", country: "AU" } });
      await ctx.json("POST", `${path}/payment-methods`, { ...auth, body: { type: "test_card", token: "tok_visa" } });
      const paid = await ctx.json("POST", `${path}/checkout`, { ...auth, headers: { "idempotency-key": randomUUID() } });
      if (paid.status !== 200) throw new Error(`analytics setup: checkout ${paid.status} ${JSON.stringify(paid.body)}`);
      if (c % 5 === 0) await ctx.json("POST", `/v1/invoices/${paid.body.invoice_id}/refunds`, { token: store.key, headers: { "idempotency-key": randomUUID() }, body: { amount_cents: 50 } });
    }
    for (let c = 0; c < 20; c++) {
      const cart = await ctx.json("POST", "/v1/carts", { body: { store_id: store.id } });
      await ctx.json("POST", `/v1/carts/${cart.body.id}/items`, { token: cart.body.cart_token, body: { items: products.slice(c * 2, c * 2 + 10).map((product_id) => ({ product_id, quantity: 1 })) } });
    }
    return { store };
  },

  scenarios({ store }) {
    const auth = { authorization: `Bearer ${store.key}` };
    const today = new Date().toISOString().slice(0, 10);
    const monthStart = `${today.slice(0, 7)}-01`;
    return [
      { name: "GET /v1/analytics/top-cart-items?n=10", connections: 16, ceiling: "d1_read", request: { method: "GET", path: `/v1/analytics/top-cart-items?n=10&date=${today}`, headers: auth } },
      { name: "GET /v1/analytics/sales (a month, by day)", connections: 16, ceiling: "d1_read", request: { method: "GET", path: `/v1/analytics/sales?from=${monthStart}&to=${today}&interval=day`, headers: auth } },
    ];
  },
};
