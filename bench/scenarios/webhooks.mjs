// Webhooks for `npm run bench`: fan-out of events to 10 endpoints on a local sink (deliveries per
// second, measured in setup: 100 product.created events -> 1,000 signed deliveries), and the request
// that emits the event (POST /v1/products) with and without 10 subscribed endpoints, against the
// same run's D1 write ceiling. Fan-out runs on the bus, after the response.
import { startSink } from "../../scripts/sink-server.mjs";

const ENDPOINTS = 10;
const EVENTS = 100;

export default {
  name: "webhooks",

  async setup(ctx) {
    const sink = await startSink({ port: 0, host: "127.0.0.1", keepAlive: false });
    const subscribed = await ctx.createStore();
    const plain = await ctx.createStore();
    for (let i = 0; i < ENDPOINTS; i++) {
      const res = await ctx.json("POST", "/v1/webhook-endpoints", { token: subscribed.key, body: { url: `${sink.url}/bench-${i}/hook`, event_types: ["product.created"] } });
      if (res.status !== 201) throw new Error(`webhooks setup: endpoint ${res.status} ${JSON.stringify(res.body)}`);
    }
    const count = async () => {
      let total = 0;
      for (let i = 0; i < ENDPOINTS; i++) total += (await (await fetch(`${sink.url}/_requests/bench-${i}`)).json()).length;
      return total;
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: EVENTS }, (_, i) => ctx.json("POST", "/v1/products", { token: subscribed.key, body: { title: `fan-out ${i}`, price_cents: 100 } })));
    let delivered = 0;
    while (Date.now() - started < 120_000) {
      delivered = await count();
      if (delivered >= EVENTS * ENDPOINTS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    console.error(`webhooks: ${delivered} of ${EVENTS * ENDPOINTS} deliveries in ${seconds.toFixed(1)} s = ${(delivered / seconds).toFixed(0)} deliveries/s (${EVENTS} events x ${ENDPOINTS} endpoints, signed, to a local sink)`);
    return { subscribed, plain };
  },

  scenarios({ subscribed, plain }) {
    const create = (store) => ({ method: "POST", path: "/v1/products", headers: { authorization: `Bearer ${store.key}` }, body: { title: "Bench lamp", price_cents: 900 } });
    return [
      { name: "POST /v1/products (no endpoints)", connections: 16, ceiling: "d1_write", request: create(plain) },
      { name: "POST /v1/products (10 endpoints)", connections: 16, ceiling: "d1_write", request: create(subscribed) },
    ];
  },
};
