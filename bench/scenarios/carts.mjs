// Carts for `npm run bench`: reading a cart and adding an item, against the same run's durable
// write ceiling (`do_write`: an RPC that commits one row to an object). Both go to the cart's own
// object; a pool of carts spreads the load as shoppers do. The goal: >= 60% of do_write.

const CARTS = 200;

async function inParallel(n, width, fn) {
  const out = [];
  for (let i = 0; i < n; i += width) out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => fn(i + k)))));
  return out;
}

export default {
  name: "carts",

  async setup(ctx) {
    const store = await ctx.createStore();
    const settings = await ctx.json("GET", "/v1/store", { token: store.key });
    await ctx.json("PATCH", "/v1/store", { token: store.key, headers: { "if-match": settings.headers.get("etag") }, body: { max_item_quantity: 10000 } });
    const product = await ctx.json("POST", "/v1/products", { token: store.key, body: { title: "Bench mug", price_cents: 1800, inventory: 1_000_000 } });
    if (product.status !== 201) throw new Error(`carts setup: product ${product.status}`);
    const carts = await inParallel(CARTS, 16, async () => {
      const res = await ctx.json("POST", "/v1/carts", { body: { store_id: store.id } });
      if (res.status !== 201) throw new Error(`carts setup: cart ${res.status} ${JSON.stringify(res.body)}`);
      await ctx.json("POST", `/v1/carts/${res.body.id}/items`, { token: res.body.cart_token, body: { product_id: product.body.id, quantity: 1 } });
      return { id: res.body.id, token: res.body.cart_token };
    });
    return { store, productId: product.body.id, carts };
  },

  scenarios({ store, productId, carts }) {
    const doWrite = { method: "POST", path: `/__bench/do-write?store=${store.id}` };
    const pick = (i) => carts[i % carts.length];
    return [
      {
        name: "GET /v1/carts/{id} (cart token)",
        connections: 16,
        ceiling: "do_write",
        ceilingRequest: doWrite,
        goal: 0.6,
        makeRequest: (i) => ({ method: "GET", path: `/v1/carts/${pick(i).id}`, headers: { authorization: `Bearer ${pick(i).token}` } }),
      },
      {
        name: "POST /v1/carts/{id}/items",
        connections: 16,
        ceiling: "do_write",
        ceilingRequest: doWrite,
        goal: 0.6,
        makeRequest: (i) => ({ method: "POST", path: `/v1/carts/${pick(i).id}/items`, headers: { authorization: `Bearer ${pick(i).token}` }, body: { product_id: productId, quantity: 1 } }),
      },
    ];
  },
};
