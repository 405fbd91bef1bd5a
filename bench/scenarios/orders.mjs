/**
 * Issue 3 scenarios: the order stream. Every order request is authenticated (one D1 read) and then
 * makes one RPC to the store's OrderStream object. Ceilings: "rpc" is a bare RPC (`ping`, which only the
 * bench worker's OrderStream subclass has) to the same object without auth (issue 3's goal: create >= 50% of it; issue 11's: >= 60% of do_write); "rpc_auth" is the same ping
 * behind the credential check every /v1 route pays; "do_write" is an RPC that durably commits one
 * row (bench/worker.ts BenchWriter), the floor of any command that must survive a crash.
 */
import { randomUUID } from "node:crypto";

// Custom lines (no product_id): the same object work as before catalog pricing, with no D1 read for
// prices, so runs before and after it compare. A catalog line adds one D1 query per create.
const BODY = {
  currency: "USD",
  lines: [
    { title: "Espresso beans 1 kg", quantity: 2, unit_price_cents: 2450 },
    { title: "Filter papers", quantity: 1, unit_price_cents: 499 },
  ],
  metadata: { channel: "bench" },
};

// Each confirm needs its own draft; size the pool to the run (requests past it answer 412).
const CONFIRM_POOL = Number(process.env.BENCH_ORDERS_CONFIRM_POOL ?? Math.ceil(Number(process.env.BENCH_DURATION ?? 4) * 1200));

async function inParallel(count, width, task) {
  const out = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export default {
  name: "orders",
  async setup(ctx) {
    const store = await ctx.createStore();
    const create = async (key) => {
      const res = await ctx.json("POST", "/v1/orders", { token: store.key, body: BODY, headers: { "idempotency-key": key } });
      if (res.status !== 201) throw new Error(`orders setup: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const replayKey = `bench-replay-${randomUUID()}`;
    const replayed = await create(replayKey);
    const pool = await inParallel(CONFIRM_POOL, 16, () => create(randomUUID()));
    return { store, replayKey, orderId: replayed.id, pool: pool.map((o) => o.id) };
  },
  scenarios: ({ store, replayKey, orderId, pool }) => {
    const auth = { authorization: `Bearer ${store.key}` };
    const rpc = { method: "GET", path: `/__bench/rpc?store=${store.id}` };
    const rpcAuth = { method: "GET", path: "/__bench/rpc-auth", headers: auth };
    const doWrite = { method: "POST", path: `/__bench/do-write?store=${store.id}` };
    const createDraft = (connections) => ({
      name: `POST /v1/orders (new key) c=${connections}`,
      connections,
      // Issue 11's goal: at least 60% of an RPC that durably commits one row (the floor of any
      // command that must survive a crash). Also shown: the bare RPC (issue 3's goal, 50%) and the
      // same RPC behind auth.
      ceiling: "do_write",
      ceilingRequest: doWrite,
      alsoCeilingRequests: { rpc: rpc, rpc_auth: rpcAuth },
      goal: 0.6,
      makeRequest: () => ({ method: "POST", path: "/v1/orders", headers: { ...auth, "idempotency-key": randomUUID() }, body: BODY }),
    });
    return [
      createDraft(1),
      createDraft(16),
      {
        name: "POST /v1/orders (replayed key)",
        connections: 16,
        ceiling: "rpc",
        ceilingRequest: rpc,
        request: { method: "POST", path: "/v1/orders", headers: { ...auth, "idempotency-key": replayKey }, body: BODY },
      },
      {
        name: "POST /v1/orders/{id}/confirm",
        connections: 16,
        ceiling: "rpc",
        ceilingRequest: rpc,
        makeRequest: (i) => ({
          method: "POST",
          path: `/v1/orders/${pool[i % pool.length]}/confirm`,
          headers: { ...auth, "if-match": '"1"' },
        }),
      },
      {
        name: "GET /v1/orders/{id}",
        connections: 16,
        ceiling: "rpc",
        ceilingRequest: rpc,
        request: { method: "GET", path: `/v1/orders/${orderId}`, headers: auth },
      },
      {
        name: "GET /v1/orders?limit=20",
        connections: 16,
        ceiling: "rpc",
        ceilingRequest: rpc,
        request: { method: "GET", path: "/v1/orders?limit=20", headers: auth },
      },
    ];
  },
};
