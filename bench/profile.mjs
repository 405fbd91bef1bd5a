#!/usr/bin/env node
// CPU profile of one request type on workerd (through miniflare, like the bench): starts the Worker
// with the inspector on, seeds a store, records a V8 CPU profile over N requests and prints the
// functions with the most self time. Usage:
//   node bench/profile.mjs product-get|product-list|order-create|order-confirm|do-write|coupon-validate|gift-card-issue|cart-get|cart-add|fan-register|fan-repeat|checkout [requests=2000]
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [scenario = "product-get", count = "2000"] = process.argv.slice(2);
const INSPECTOR = 9239;

const outdir = path.join(root, "bench", ".build");
execFileSync(path.join(root, "node_modules", ".bin", "wrangler"), ["deploy", "bench/worker.ts", "--dry-run", "--outdir", outdir, "--config", "wrangler.toml"], {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
const { modulesRules: _rules, ...options } = workerOptions;
const mf = new Miniflare(convertV4MiniflareOptions({
  inspectorPort: INSPECTOR,
  workers: [{
    ...options,
    name: "edgeshop-profile",
    modules: true,
    scriptPath: path.join(outdir, "worker.js"),
    bindings: { ...(options.bindings ?? {}), OPERATOR_TOKEN: "profile-operator", SIGNING_SECRET: "profile-secret" },
    durableObjects: { ...(options.durableObjects ?? {}), BENCH_WRITER: { className: "BenchWriter", useSQLite: true } },
  }],
}));
const base = (await mf.ready).toString().replace(/\/$/, "");
const db = await mf.getD1Database("DB");
for (const file of readdirSync(path.join(root, "migrations")).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort()) {
  for (const statement of readFileSync(path.join(root, "migrations", file), "utf8").split("--> statement-breakpoint")) {
    if (statement.trim()) await db.prepare(statement).run();
  }
}

async function api(method, url, token, body, headers = {}) {
  const res = await fetch(base + url, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers }, body: body && JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}
const store = (await api("POST", "/v1/stores", "profile-operator", { name: "profile", currency: "USD" })).body;
const key = store.api_key.secret;
const product = (await api("POST", "/v1/products", key, { title: "Profile lamp", price_cents: 900, inventory: 5, tags: ["oak"] })).body;
for (let i = 0; i < 3; i++) await api("POST", "/v1/products/bulk", key, { products: Array.from({ length: 100 }, (_, j) => ({ title: `item ${i}-${j}`, price_cents: 100 + j })) });
const orders = [];
for (let i = 0; i < Number(process.env.PROFILE_ORDERS ?? 400); i++) {
  orders.push((await api("POST", "/v1/orders", key, { currency: "USD", lines: [{ title: "Custom", unit_price_cents: 100, quantity: 1 }] }, { "Idempotency-Key": `seed-${i}` })).body.id);
}
await api("POST", "/v1/coupon-codes", key, { code: "PROFILE10", percent_off: 10 });
const profileCarts = [];
let fansPath = "";
if (scenario.startsWith("fan-")) {
  const { startSink } = await import("../scripts/sink-server.mjs");
  const sink = await startSink();
  const brand = (await api("POST", "/v1/brands", key, { name: "Profile brand", realizer_url: `${sink.url}/realizer/realize` })).body;
  const discount = (await api("POST", `/v1/brands/${brand.id}/discounts`, key, { name: "Profile 10%", type: "percent", amount: 10, expires_at: "2099-01-01T00:00:00Z", max_fans: 10_000_000 })).body;
  fansPath = `/v1/brands/${brand.id}/discounts/${discount.id}/fans`;
  await api("POST", fansPath, key, { name: "Repeat", email: "repeat@example.com" });
}
const readyCarts = [];
if (scenario === "checkout") {
  const count = Number(process.argv[3] ?? 600);
  const stock = (await api("POST", "/v1/products", key, { title: "Profile saucer", price_cents: 500, inventory: 1_000_000 })).body;
  await api("POST", `/v1/products/${product.id}/inventory`, key, { set: 1_000_000 });
  for (let i = 0; i < count; i++) {
    const cart = (await api("POST", "/v1/carts", key, { email: "p@example.com" })).body;
    await api("POST", `/v1/carts/${cart.id}/items`, key, { items: [{ product_id: product.id, quantity: 1 }, { product_id: stock.id, quantity: 1 }] });
    await api("POST", `/v1/carts/${cart.id}/addresses`, key, { line1: "1 P St", city: "Sydney", country: "AU" });
    await api("POST", `/v1/carts/${cart.id}/payment-methods`, key, { type: "test_card", token: "tok_visa" });
    readyCarts.push(cart.id);
  }
}
if (scenario.startsWith("cart-")) {
  const settings = await fetch(`${base}/v1/store`, { headers: { Authorization: `Bearer ${key}` } });
  await api("PATCH", "/v1/store", key, { max_item_quantity: 10000 }, { "If-Match": settings.headers.get("etag") });
  for (let i = 0; i < 100; i++) {
    const cart = (await api("POST", "/v1/carts", key, {})).body;
    await api("POST", `/v1/carts/${cart.id}/items`, key, { product_id: product.id, quantity: 1 });
    profileCarts.push(cart.id);
  }
}
let n = 0;
const requests = {
  "coupon-validate": () => ({ method: "POST", path: "/v1/coupon-codes/validate", headers: { "CF-Connecting-IP": `10.9.${(n >> 8) & 255}.${n++ & 255}` }, body: JSON.stringify({ code: "PROFILE10", subtotal_cents: 4999 }) }),
  "cart-get": () => ({ method: "GET", path: `/v1/carts/${profileCarts[n++ % profileCarts.length]}` }),
  "cart-add": () => ({ method: "POST", path: `/v1/carts/${profileCarts[n++ % profileCarts.length]}/items`, body: JSON.stringify({ product_id: product.id, quantity: 1 }) }),
  checkout: () => ({ method: "POST", path: `/v1/carts/${readyCarts[n++ % readyCarts.length]}/checkout`, headers: { "Idempotency-Key": `p-${n}-${Math.random()}` } }),
  "fan-register": () => ({ method: "POST", path: fansPath, body: JSON.stringify({ name: "Fan", email: `fan-${n++}-${Math.random()}@example.com` }) }),
  "fan-repeat": () => ({ method: "POST", path: fansPath, body: JSON.stringify({ name: "Repeat", email: "repeat@example.com" }) }),
  "gift-card-issue": () => ({ method: "POST", path: "/v1/gift-cards", body: JSON.stringify({ amount_cents: 5000 }) }),
  "product-get": () => ({ method: "GET", path: `/v1/products/${product.id}` }),
  "product-list": () => ({ method: "GET", path: "/v1/products?limit=20" }),
  "order-create": () => ({ method: "POST", path: "/v1/orders", headers: { "Idempotency-Key": `p-${n++}-${Math.random()}` }, body: JSON.stringify({ currency: "USD", lines: [{ title: "Custom", unit_price_cents: 100, quantity: 1 }] }) }),
  "order-confirm": () => ({ method: "POST", path: `/v1/orders/${orders[n++ % orders.length]}/confirm`, headers: { "If-Match": '"1"' } }),
  "do-write": () => ({ method: "POST", path: `/__bench/do-write?store=${store.id}` }),
}[scenario];

// Let the seed phase's background work (order relay, event bus) drain before measuring.
await new Promise((r) => setTimeout(r, Number(process.env.PROFILE_SETTLE_MS ?? 15000)));
const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR}/json`)).json();
const target = targets.find((t) => t.title?.includes("edgeshop-profile")) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener("open", r, { once: true }));
let id = 0;
const pending = new Map();
ws.addEventListener("message", (e) => {
  const msg = JSON.parse(String(e.data));
  if (msg.id && pending.has(msg.id)) pending.get(msg.id)(msg.result);
});
const send = (method, params = {}) => new Promise((r) => { pending.set(++id, r); ws.send(JSON.stringify({ id, method, params })); });
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 200 });
await send("Profiler.start");
const result = await autocannon({
  url: base,
  connections: 8,
  amount: Number(count),
  requests: [{ setupRequest: (req) => { const r = requests(); return { ...req, method: r.method, path: r.path, headers: { ...req.headers, Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...(r.headers ?? {}) }, body: r.body }; } }],
});
const { profile } = await send("Profiler.stop");
writeFileSync(path.join(root, "bench", ".build", `${scenario}.cpuprofile`), JSON.stringify(profile));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const dt = new Map();
profile.samples.forEach((sample, i) => dt.set(sample, (dt.get(sample) ?? 0) + (profile.timeDeltas[i] ?? 0)));
let total = 0;
for (const [nodeId, us] of dt) {
  const node = byId.get(nodeId);
  const f = node.callFrame;
  if (f.functionName === "(idle)" || f.functionName === "(program)") continue;
  const name = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + us);
  total += us;
}
console.log(`${scenario}: ${result.requests.total} requests, ${result.non2xx} non-2xx, ${Math.round(result.requests.average)} req/s; JS CPU sampled ${(total / 1000).toFixed(0)} ms = ${(total / 1000 / result.requests.total).toFixed(2)} ms/request`);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000 / result.requests.total).toFixed(3)} ms/req  ${name}`);
}
ws.close();
await mf.dispose();
