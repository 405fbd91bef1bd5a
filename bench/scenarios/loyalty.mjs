// Loyalty for `npm run bench`: a customer's loyalty account (stamps, vouchers by state, the first
// ledger page), as the shop reads it and as the signed-in customer does, against the same run's
// D1 read ceiling. The customer has 26 stamps earned (2 vouchers, 6 left) and a granted voucher.

export default {
  name: "loyalty",

  async setup(ctx) {
    const store = await ctx.createStore();
    const product = await ctx.json("POST", "/v1/products", { token: store.key, body: { title: "Bench widget", price_cents: 300, inventory: 1000 } });
    await ctx.json("PUT", "/v1/loyalty/program", { token: store.key, body: { enabled: true, earn_product_ids: [product.body.id], voucher: { amount_off_cents: 500 } } });
    const email = `loyal-${Date.now()}@example.com`;
    const customer = await ctx.json("POST", "/v1/customers", { token: store.key, body: { email, password: "correct horse battery" } });
    const order = await ctx.json("POST", "/v1/orders", { token: store.key, headers: { "idempotency-key": `bench-${Date.now()}` }, body: { customer_id: customer.body.id, lines: [{ product_id: product.body.id, quantity: 26 }] } });
    const confirmed = await ctx.json("POST", `/v1/orders/${order.body.id}/confirm`, { token: store.key, headers: { "if-match": '"1"' } });
    await ctx.json("POST", `/v1/orders/${order.body.id}/close`, { token: store.key, headers: { "if-match": `"${confirmed.body.version}"` } });
    await ctx.json("POST", `/v1/customers/${customer.body.id}/vouchers`, { token: store.key, body: { reason: "bench" } });
    const login = await ctx.json("POST", "/v1/auth/login", { body: { store_id: store.id, email, password: "correct horse battery" } });
    for (let i = 0; i < 100; i++) {
      const account = await ctx.json("GET", `/v1/customers/${customer.body.id}/loyalty`, { token: store.key });
      if (account.body.vouchers?.counts.available === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { store, customerId: customer.body.id, session: login.body.token };
  },

  scenarios({ store, customerId, session }) {
    return [
      { name: "GET /v1/customers/{id}/loyalty (API key)", connections: 16, ceiling: "d1_read", request: { method: "GET", path: `/v1/customers/${customerId}/loyalty`, headers: { authorization: `Bearer ${store.key}` } } },
      { name: "GET /v1/me/loyalty (customer session)", connections: 16, ceiling: "d1_read", request: { method: "GET", path: "/v1/me/loyalty", headers: { authorization: `Bearer ${session}` } } },
    ];
  },
};
