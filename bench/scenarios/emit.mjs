// The request that emits an event (POST /v1/products -> product.created) against the D1 write ceiling:
// the bus (analytics, webhook fan-out) runs in the same workerd, so its cost shows here too.
export default {
  name: "emit",
  async setup(ctx) { return { store: await ctx.createStore() }; },
  scenarios({ store }) {
    return [{ name: "POST /v1/products (emits product.created)", connections: 16, ceiling: "d1_write", request: { method: "POST", path: "/v1/products", headers: { authorization: `Bearer ${store.key}` }, body: { title: "Bench lamp", price_cents: 900 } } }];
  },
};
