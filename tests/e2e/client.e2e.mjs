#!/usr/bin/env node
// End to end: starts the API exactly as a user does (`npm start`, on a free port), then drives it
// through the typed client (client/index.ts, run by Node's type stripping). Exits non-zero on the
// first broken expectation. `npm run test:e2e`; part of `npm test`.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { createEdgeshopClient, ifMatch } from "../../client/index.ts";
import { startSink } from "../../scripts/sink-server.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OPERATOR = "dev-operator-token"; // .dev.vars.example, copied by `npm start` when missing

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const baseUrl = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [path.join(root, "scripts", "dev.mjs")], {
  cwd: root,
  env: { ...process.env, PORT: String(port) },
  stdio: ["ignore", "pipe", "pipe"],
  detached: true,
});
let output = "";
server.stdout.on("data", (d) => (output += d));
server.stderr.on("data", (d) => (output += d));
const stop = () => {
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {}
};
process.on("exit", stop);

try {
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {}
    if (Date.now() - started > 120_000) throw new Error(`npm start did not answer within 120 s:\n${output}`);
    if (server.exitCode !== null) throw new Error(`npm start exited with ${server.exitCode}:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`e2e: npm start answered after ${((Date.now() - started) / 1000).toFixed(1)} s on ${baseUrl}`);

  const operator = createEdgeshopClient({ baseUrl, token: OPERATOR });
  const created = await operator.POST("/v1/stores", { body: { name: `e2e ${Date.now()}`, currency: "USD" } });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  const shop = createEdgeshopClient({ baseUrl, token: created.data.api_key.secret });

  const product = await shop.POST("/v1/products", { body: { title: "E2E mug", price_cents: 1800, inventory: 5 } });
  assert.equal(product.response.status, 201);
  const read = await shop.GET("/v1/products/{id}", { params: { path: { id: product.data.id } } });
  const patched = await shop.PATCH("/v1/products/{id}", { params: { path: { id: product.data.id }, header: ifMatch(read.response) }, body: { price_cents: 1500 } });
  assert.equal(patched.data?.price_cents, 1500);

  const customer = await shop.POST("/v1/customers", { body: { email: `e2e-${Date.now()}@example.com` } });
  assert.equal(customer.response.status, 201);
  const order = await shop.POST("/v1/orders", { body: { currency: "USD", customer_id: customer.data.id, lines: [{ product_id: product.data.id, quantity: 2 }] } });
  assert.equal(order.response.status, 201, JSON.stringify(order.error));
  assert.equal(order.data.total_cents ?? order.data.subtotal_cents, 3000);
  const confirmed = await shop.POST("/v1/orders/{id}/confirm", { params: { path: { id: order.data.id }, header: ifMatch(order.response) } });
  assert.equal(confirmed.data?.status, "confirmed", JSON.stringify(confirmed.error));

  const coupon = await shop.POST("/v1/coupon-codes", { body: { code: "E2E10", percent_off: 10 } });
  assert.equal(coupon.response.status, 201);
  const validation = await shop.POST("/v1/coupon-codes/validate", { body: { code: "e2e-10", subtotal_cents: 999 } });
  assert.equal(validation.data?.discount_cents, 99);
  const unknown = await shop.POST("/v1/coupon-codes/validate", { body: { code: "NOPE" } });
  assert.equal(unknown.error?.code, "code_not_applicable");

  const card = await shop.POST("/v1/gift-cards", { body: { amount_cents: 2500 } });
  assert.equal(card.response.headers.get("Cache-Control"), "no-store");
  const lookup = await shop.POST("/v1/gift-cards/lookup", { body: { code: card.data.code } });
  assert.equal(lookup.data?.balance_cents, 2500);

  // A whole checkout through the typed client, with the cart's own token, then the invoice.
  const opened = await createEdgeshopClient({ baseUrl }).POST("/v1/carts", { body: { store_id: created.data.store.id, email: "e2e-buyer@example.com" } });
  assert.equal(opened.response.status, 201, JSON.stringify(opened.error));
  const cart = createEdgeshopClient({ baseUrl, token: opened.data.cart_token });
  const cartPath = { params: { path: { id: opened.data.id } } };
  assert.equal((await cart.POST("/v1/carts/{id}/items", { ...cartPath, body: { product_id: product.data.id, quantity: 1 } })).response.status, 201);
  assert.ok((await cart.POST("/v1/carts/{id}/addresses", { ...cartPath, body: { line1: "1 E2E St", city: "Sydney", country: "AU" } })).response.ok);
  assert.ok((await cart.POST("/v1/carts/{id}/payment-methods", { ...cartPath, body: { type: "test_card", token: "tok_visa" } })).response.ok);
  const bought = await cart.POST("/v1/carts/{id}/checkout", cartPath);
  assert.equal(bought.data?.payment_status, "paid", JSON.stringify(bought.error));
  const invoice = await shop.GET("/v1/invoices/{id}", { params: { path: { id: bought.data.invoice_id } } });
  assert.equal(invoice.data?.state, "collected");

  // A coupon campaign: a fan's code is realized, signed, at a local realizer through the queue.
  const sink = await startSink();
  const brand = await shop.POST("/v1/brands", { body: { name: "E2E brand", realizer_url: `${sink.url}/e2e/realize` } });
  assert.equal(brand.response.status, 201, JSON.stringify(brand.error));
  const discount = await shop.POST("/v1/brands/{id}/discounts", {
    params: { path: { id: brand.data.id } },
    body: { name: "E2E 10%", type: "percent", amount: 10, expires_at: new Date(Date.now() + 86_400_000).toISOString() },
  });
  assert.equal(discount.response.status, 201, JSON.stringify(discount.error));
  const fan = await shop.POST("/v1/brands/{id}/discounts/{discount_id}/fans", {
    params: { path: { id: brand.data.id, discount_id: discount.data.id } },
    body: { name: "E2E fan", email: "e2e-fan@example.com" },
  });
  assert.equal(fan.response.status, 201, JSON.stringify(fan.error));
  let realized;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    realized = (await shop.GET("/v1/coupons/{id}", { params: { path: { id: fan.data.coupon.id } } })).data;
    if (realized?.status !== "pending") break;
  }
  assert.equal(realized?.status, "realized", JSON.stringify(realized));
  const [delivery] = await (await fetch(`${sink.url}/_requests/e2e`)).json();
  assert.equal(new Webhook(brand.data.secret).verify(delivery.body, delivery.headers).code, fan.data.coupon.code);
  await sink.close();

  console.log("e2e: store, product (If-Match update), customer, order (confirm), coupon, gift card, checkout (cart token), campaign (fan, realization): all through the typed client");
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  stop();
}
