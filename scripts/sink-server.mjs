// A programmable HTTP receiver for webhook deliveries and coupon realizations, on loopback.
// Tests get its origin as the SINK_URL binding (vitest.config.ts starts one per test run);
// `npm run sink` may build on it for local walk-throughs.
//
//   POST /_control/<name>   body { responses?: [{ status, delay_ms?, headers?, body? }], default?: {...} }
//                           programs what /<name> answers: the queued responses in order, then the default
//                           (200 "ok" unless set). Resets what /<name> recorded.
//   GET  /_requests/<name>  what /<name> received: [{ method, path, headers, body, at }]
//   any  /<name>[/...]      recorded, then answered as programmed
import http from "node:http";

export function startSink({ port = 0, host = "127.0.0.1", log = false, keepAlive = false } = {}) {
  const plans = new Map();
  const received = new Map();
  const nameOf = (path) => path.split("?")[0].split("/").filter(Boolean)[0] ?? "";

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = req.url ?? "/";
      if (url.startsWith("/_control/")) {
        const name = nameOf(url.slice("/_control".length));
        const plan = body ? JSON.parse(body) : {};
        plans.set(name, { queue: [...(plan.responses ?? [])], fallback: plan.default ?? { status: 200, body: "ok" } });
        received.set(name, []);
        res.writeHead(204).end();
        return;
      }
      if (url.startsWith("/_requests/")) {
        const name = nameOf(url.slice("/_requests".length));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(name) ?? []));
        return;
      }
      const name = nameOf(url);
      const list = received.get(name) ?? [];
      list.push({ method: req.method, path: url, headers: req.headers, body, at: Date.now() });
      received.set(name, list);
      if (log) console.log(`${new Date().toISOString()} ${req.method} ${url} ${body.slice(0, 500)}`);
      const plan = plans.get(name);
      const answer = plan?.queue.shift() ?? plan?.fallback ?? { status: 200, body: "ok" };
      if (answer.delay_ms) await new Promise((r) => setTimeout(r, answer.delay_ms));
      if (res.destroyed) return;
      res.writeHead(answer.status ?? 200, { "content-type": "text/plain", ...(answer.headers ?? {}) });
      res.end(answer.body ?? "");
    });
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      if (!keepAlive) server.unref();
      const { port: bound } = server.address();
      resolve({ url: `http://${host}:${bound}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
