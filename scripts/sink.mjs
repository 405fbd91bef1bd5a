// `npm run sink`: a local coupon realizer (the seed's mock, made strict). It verifies each
// realization's Standard Webhooks signature, logs the coupon, and answers as told.
//
//   npm run sink -- --secret whsec_... [--port 8788] [--fail 3] [--delay-ms 15000] [--status 503]
//
//   --secret     the brand's secret from POST /v1/brands (or env REALIZER_SECRET); without it
//                signatures are not checked and each line says so
//   --fail N     answer the next N realizations with --status (default 500), then 200
//   --delay-ms   wait this long before answering (longer than the API's 10 s timeout: a hang)
//   POST /_control  {"fail": N, "status": 503, "delay_ms": 0}   changes the plan while it runs
//
// Point a brand's realizer_url at http://127.0.0.1:8788/realize (local development allows loopback).
import http from "node:http";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";

const { values } = parseArgs({
  options: {
    secret: { type: "string" },
    port: { type: "string", default: "8788" },
    fail: { type: "string", default: "0" },
    status: { type: "string", default: "500" },
    "delay-ms": { type: "string", default: "0" },
  },
});

const secret = values.secret ?? process.env.REALIZER_SECRET;
const plan = { fail: Number(values.fail), status: Number(values.status), delayMs: Number(values["delay-ms"]) };
const seen = new Map();

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", async () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.url === "/_control") {
      const next = body ? JSON.parse(body) : {};
      if (next.fail !== undefined) plan.fail = Number(next.fail);
      if (next.status !== undefined) plan.status = Number(next.status);
      if (next.delay_ms !== undefined) plan.delayMs = Number(next.delay_ms);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(plan));
      return;
    }
    let coupon;
    let verified = "signature not checked (no --secret)";
    try {
      coupon = secret ? new Webhook(secret).verify(body, req.headers) : JSON.parse(body);
      if (secret) verified = "signature ok";
    } catch (error) {
      console.log(`${new Date().toISOString()} REFUSED ${req.method} ${req.url}: ${error instanceof Error ? error.message : error}`);
      res.writeHead(401, { "content-type": "text/plain" }).end("bad signature");
      return;
    }
    const id = req.headers["webhook-id"];
    const attempt = (seen.get(id) ?? 0) + 1;
    seen.set(id, attempt);
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} webhook-id=${id} attempt=${attempt} ${verified}`);
    console.log(JSON.stringify(coupon, null, 2));
    if (plan.delayMs > 0) await new Promise((r) => setTimeout(r, plan.delayMs));
    if (res.destroyed) return;
    if (plan.fail > 0) {
      plan.fail -= 1;
      console.log(`  -> answering ${plan.status} (${plan.fail} more failures planned)`);
      res.writeHead(plan.status, { "content-type": "text/plain" }).end("failing as told");
      return;
    }
    // A realizer is idempotent on webhook-id: the same coupon twice is created once.
    console.log(attempt > 1 ? "  -> 200 (already created: idempotent on webhook-id)" : "  -> 200 created");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
  });
});

server.listen(Number(values.port), "127.0.0.1", () => {
  console.log(`coupon realizer listening on http://127.0.0.1:${values.port}/realize (${secret ? "verifying signatures" : "NOT verifying: pass --secret"})`);
});
