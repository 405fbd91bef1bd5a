// Coupon campaigns for `npm run bench`: fan registration with unique codes (each a new mailbox,
// against the same run's D1 write ceiling), a repeat registration (the existing fan, a read), and in
// setup the coupon-realization queue draining a burst of 1,000 registrations to a local realizer
// (coupons realized per second, from the first registration to the last realization).
import { randomUUID } from "node:crypto";
import { startSink } from "../../scripts/sink-server.mjs";

const BURST = 1_000;
const BURST_CONCURRENCY = 32;
const EXPIRES = new Date(Date.now() + 365 * 86_400_000).toISOString();

export default {
  name: "campaigns",

  async setup(ctx) {
    const sink = await startSink({ port: 0, host: "127.0.0.1", keepAlive: false });
    const store = await ctx.createStore();
    const brand = await ctx.json("POST", "/v1/brands", { token: store.key, body: { name: "Bench brand", realizer_url: `${sink.url}/realizer/realize` } });
    if (brand.status !== 201) throw new Error(`campaigns setup: brand ${brand.status} ${JSON.stringify(brand.body)}`);
    const discount = async () => {
      const res = await ctx.json("POST", `/v1/brands/${brand.body.id}/discounts`, { token: store.key, body: { name: "Bench 10%", type: "percent", amount: 10, expires_at: EXPIRES, max_fans: 10_000_000 } });
      if (res.status !== 201) throw new Error(`campaigns setup: discount ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    };
    const burstDiscount = await discount();
    const fansPath = (id) => `/v1/brands/${brand.body.id}/discounts/${id}/fans`;

    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: BURST_CONCURRENCY }, async () => {
        while (next < BURST) {
          const i = next++;
          const res = await ctx.json("POST", fansPath(burstDiscount), { token: store.key, body: { name: `Fan ${i}`, email: `burst-${i}@example.com` } });
          if (res.status !== 201) throw new Error(`campaigns burst: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
    );
    const registered = (Date.now() - started) / 1000;
    let realized = 0;
    while (Date.now() - started < 180_000) {
      realized = (await (await fetch(`${sink.url}/_requests/realizer`)).json()).length;
      if (realized >= BURST) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    console.error(
      `campaigns: ${BURST} registrations (c=${BURST_CONCURRENCY}) in ${registered.toFixed(1)} s; ${realized} coupons realized by ${seconds.toFixed(1)} s = ${(realized / seconds).toFixed(0)} realized/s end to end (signed, local realizer)`,
    );
    const measured = await discount();
    const repeat = await ctx.json("POST", fansPath(measured), { token: store.key, body: { name: "Repeat", email: "repeat@example.com" } });
    if (repeat.status !== 201) throw new Error(`campaigns setup: repeat ${repeat.status}`);
    return { store, fansPath: fansPath(measured) };
  },

  scenarios({ store, fansPath }) {
    const auth = { authorization: `Bearer ${store.key}` };
    return [
      {
        name: "POST fans (new mailbox, unique code)",
        connections: 16,
        ceiling: "d1_write",
        makeRequest: () => ({ method: "POST", path: fansPath, headers: auth, body: { name: "Bench fan", email: `${randomUUID()}@example.com` } }),
      },
      { name: "POST fans (repeat: the existing fan)", connections: 16, ceiling: "d1_read", request: { method: "POST", path: fansPath, headers: auth, body: { name: "Repeat", email: "repeat@example.com" } } },
    ];
  },
};
