// Stored value for `npm run bench`: issuing a gift card (one D1 batch: card, ledger row, event,
// idempotency record) against the D1-write ceiling, and validating a coupon code (an exact
// CodeLimiter RPC, then D1 reads) against the D1-read ceiling and the bare-RPC ceiling. Every
// validation comes from another client address, as storefront shoppers do; each address has its
// own 10-a-minute budget, so the rate limit itself never answers here.

export default {
  name: "money",

  async setup(ctx) {
    const store = await ctx.createStore();
    const coupon = await ctx.json("POST", "/v1/coupon-codes", { token: store.key, body: { code: "BENCH10", percent_off: 10, usage_limit: 1_000_000 } });
    if (coupon.status !== 201) throw new Error(`money setup: coupon answered ${coupon.status}: ${JSON.stringify(coupon.body)}`);
    return { key: store.key, storeId: store.id };
  },

  scenarios(state) {
    const headers = { Authorization: `Bearer ${state.key}` };
    const address = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    return [
      {
        name: "gift card issue",
        connections: 16,
        ceiling: "d1_write",
        request: { method: "POST", path: "/v1/gift-cards", headers, body: { amount_cents: 5000 } },
      },
      {
        name: "coupon validate",
        connections: 16,
        ceiling: "d1_read",
        alsoCeilingRequests: { rpc: { method: "GET", path: `/__bench/rpc?store=${state.storeId}` } },
        makeRequest: (i) => ({
          method: "POST",
          path: "/v1/coupon-codes/validate",
          headers: { ...headers, "CF-Connecting-IP": address(i + 1) },
          body: { code: "BENCH10", subtotal_cents: 4999 },
        }),
      },
    ];
  },
};
