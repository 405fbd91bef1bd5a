// The whole flow a shopper makes, for `npm run bench`: open a cart, add 2 items, select an address
// and a payment method, check out (6 requests), as completed checkouts per second at c=1 and c=16,
// against the same run's durable-write ceiling (`do_write`). CPU is workerd's per checkout (all six
// requests and the background work they cause). The goal: >= 100 checkouts/s at c=16.
import { randomUUID } from "node:crypto";

export default {
  name: "checkout",

  async setup(ctx) {
    const store = await ctx.createStore();
    const make = async (title) => {
      const res = await ctx.json("POST", "/v1/products", { token: store.key, body: { title, price_cents: 1800, inventory: 1_000_000 } });
      if (res.status !== 201) throw new Error(`checkout setup: product ${res.status}`);
      return res.body.id;
    };
    return { store, products: [await make("Bench mug"), await make("Bench saucer")] };
  },

  scenarios({ store, products }, ctx) {
    const doWrite = { method: "POST", path: `/__bench/do-write?store=${store.id}` };
    const flow = (ctx) => async () => {
      const cart = await ctx.json("POST", "/v1/carts", { body: { store_id: store.id, email: "bench@example.com" } });
      if (cart.status !== 201) throw new Error(`cart ${cart.status}`);
      const auth = { token: cart.body.cart_token };
      const path = `/v1/carts/${cart.body.id}`;
      for (const product_id of products) {
        const added = await ctx.json("POST", `${path}/items`, { ...auth, body: { product_id, quantity: 1 } });
        if (added.status >= 300) throw new Error(`add ${added.status}`);
      }
      const address = await ctx.json("POST", `${path}/addresses`, { ...auth, body: { line1: "1 Bench St", city: "Sydney", country: "AU" } });
      if (address.status >= 300) throw new Error(`address ${address.status}`);
      const method = await ctx.json("POST", `${path}/payment-methods`, { ...auth, body: { type: "test_card", token: "tok_visa" } });
      if (method.status >= 300) throw new Error(`payment method ${method.status}`);
      const paid = await ctx.json("POST", `${path}/checkout`, { ...auth, headers: { "idempotency-key": randomUUID() } });
      if (paid.status !== 200) throw new Error(`checkout ${paid.status} ${JSON.stringify(paid.body)}`);
      return 6;
    };
    return [
      { name: "whole checkout flow (6 requests)", connections: 1, ceiling: "do_write", ceilingRequest: doWrite, flow: flow(ctx) },
      { name: "whole checkout flow (6 requests)", connections: 16, ceiling: "do_write", ceilingRequest: doWrite, flow: flow(ctx) },
    ];
  },
};
