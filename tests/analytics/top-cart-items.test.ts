import { describe, expect, it } from "vitest";
import { call, createStore, entry, expectProblem, unique } from "../helpers";

const DAY = "2026-11-30";

function added(storeId: string, productId: string, cartId: string, quantity = 1, id = `evt_${unique("e").replace(/-/g, "")}`) {
  return {
    id: unique("msg"),
    timestamp: new Date(),
    attempts: 1,
    body: {
      id,
      store_id: storeId,
      type: "cart.item_added",
      resource_type: "cart",
      resource_id: cartId,
      resource_version: 1,
      created_at: `${DAY}T12:00:00.000Z`,
      data: { cart_id: cartId, product_id: productId, quantity },
    },
  };
}

describe("GET /v1/analytics/top-cart-items", () => {
  it("counts adds per store and day from cart.item_added, once per event, most added first", async () => {
    const shop = await createStore();
    const other = await createStore();
    const carts = ["cart_1", "cart_2", "cart_3", "cart_4", "cart_5"];
    const messages = [
      ...Array.from({ length: 30 }, (_, i) => added(shop.id, "prod_A", carts[i % 5]!)),
      ...Array.from({ length: 10 }, (_, i) => added(shop.id, "prod_B", carts[i % 5]!, 2)),
      ...Array.from({ length: 50 }, () => added(other.id, "prod_B", "cart_x")),
    ];
    for (let i = 0; i < messages.length; i += 25) await entry().queue("events", messages.slice(i, i + 25));
    // The same events again (an at-least-once redelivery): nothing changes.
    await entry().queue("events", messages.slice(0, 20));
    const top = await call("GET", `/v1/analytics/top-cart-items?n=10&date=${DAY}`, { token: shop.key });
    expect(top.status).toBe(200);
    expect(top.body).toEqual({
      date: DAY,
      items: [
        { product_id: "prod_A", adds: 30, quantity: 30 },
        { product_id: "prod_B", adds: 10, quantity: 20 },
      ],
    });
    const theirs = await call("GET", `/v1/analytics/top-cart-items?date=${DAY}`, { token: other.key });
    expect(theirs.body.items).toEqual([{ product_id: "prod_B", adds: 50, quantity: 50 }]);
    const one = await call("GET", `/v1/analytics/top-cart-items?n=1&date=${DAY}`, { token: shop.key });
    expect(one.body.items.map((i: { product_id: string }) => i.product_id)).toEqual(["prod_A"]);
  });

  it("breaks ties by product id, answers an empty day with an empty list, and refuses n outside 1-100", async () => {
    const shop = await createStore();
    await entry().queue("events", [added(shop.id, "prod_Z", "c1"), added(shop.id, "prod_M", "c1")]);
    const tie = await call("GET", `/v1/analytics/top-cart-items?date=${DAY}`, { token: shop.key });
    expect(tie.body.items.map((i: { product_id: string }) => i.product_id)).toEqual(["prod_M", "prod_Z"]);
    expect((await call("GET", "/v1/analytics/top-cart-items?date=2020-01-01", { token: shop.key })).body).toEqual({ date: "2020-01-01", items: [] });
    for (const n of ["0", "101", "2.5", "x"]) expectProblem(await call("GET", `/v1/analytics/top-cart-items?n=${n}`, { token: shop.key }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/analytics/top-cart-items?date=2026-13-40", { token: shop.key }), 400, "validation_failed");
  });
});

describe("top cart items from real carts", () => {
  it("30 adds of A and 10 of B across 5 carts: A 30, B 10, through the carts' events and the bus", async () => {
    const shop = await createStore();
    const make = async (title: string) => (await call("POST", "/v1/products", { token: shop.key, body: { title, price_cents: 100, inventory: 1000 } })).body.id as string;
    const [a, b] = [await make("A"), await make("B")];
    const carts = await Promise.all(Array.from({ length: 5 }, async () => (await call("POST", "/v1/carts", { token: shop.key, body: {} })).body.id as string));
    const adds = [...Array.from({ length: 30 }, (_, i) => [carts[i % 5]!, a] as const), ...Array.from({ length: 10 }, (_, i) => [carts[i % 5]!, b] as const)];
    for (let i = 0; i < adds.length; i += 10) {
      await Promise.all(adds.slice(i, i + 10).map(([cart, product]) => call("POST", `/v1/carts/${cart}/items`, { token: shop.key, body: { product_id: product, quantity: 1 } })));
    }
    const today = new Date().toISOString().slice(0, 10);
    const deadline = Date.now() + 15_000;
    let items: unknown[] = [];
    while (Date.now() < deadline) {
      items = (await call("GET", `/v1/analytics/top-cart-items?date=${today}`, { token: shop.key })).body.items;
      if (JSON.stringify(items).includes('"adds":10')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(items).toEqual([
      { product_id: a, adds: 30, quantity: 30 },
      { product_id: b, adds: 10, quantity: 10 },
    ]);
  });
});
