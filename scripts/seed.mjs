#!/usr/bin/env node
// Creates a demo store with a few products on a running local API (`npm start`) and prints its key.
//   npm run seed                         against http://127.0.0.1:8787 with the .dev.vars operator token
//   PORT=8788 npm run seed               against the same port `PORT=8788 npm start` serves on
//   EDGESHOP_URL=... OPERATOR_TOKEN=... npm run seed
import { readFileSync } from "node:fs";

const base = process.env.EDGESHOP_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
const operator = process.env.OPERATOR_TOKEN ?? readDevVar("OPERATOR_TOKEN");

function readDevVar(name) {
  try {
    const line = readFileSync(new URL("../.dev.vars", import.meta.url), "utf8").split("\n").find((l) => l.startsWith(`${name}=`));
    return line?.slice(name.length + 1).trim();
  } catch {
    return undefined;
  }
}

async function call(method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return json;
}

const created = await call("POST", "/v1/stores", operator, { name: "Demo Coffee Roasters", currency: "USD", tagline: "Seeded by npm run seed" });
const key = created.api_key.secret;
const demoProducts = [
  { title: "Ethiopia Guji", vendor: "Demo Roasters", product_type: "coffee", sku: "ETH-GUJI-250", price_cents: 1850, inventory: 40, tags: ["light", "washed"] },
  { title: "Colombia Huila", vendor: "Demo Roasters", product_type: "coffee", sku: "COL-HUILA-250", price_cents: 1600, inventory: 25, tags: ["medium"] },
  { title: "House Espresso", vendor: "Demo Roasters", product_type: "coffee", sku: "ESP-HOUSE-1KG", price_cents: 4200, inventory: 10, tags: ["dark", "espresso"] },
  { title: "Ceramic Dripper", vendor: "Kiln & Co", product_type: "equipment", sku: "DRIP-CER-02", price_cents: 2900, inventory: 8, tags: ["brewing"] },
];
let seededProducts = 0;
for (const product of demoProducts) {
  try {
    await call("POST", "/v1/products", key, product);
    seededProducts += 1;
  } catch (err) {
    // Products arrive with the catalog module; a store alone is still a useful seed.
    if (!String(err.message).includes(" 404 ")) throw err;
    break;
  }
}
console.log(`store:    ${created.store.id}`);
console.log(`api key:  ${key}`);
console.log(`app id:   ${created.store.app_id}`);
console.log(`secret:   ${created.app_secret}`);
console.log(`products: ${seededProducts}`);
console.log(`\ntry: curl -H "Authorization: Bearer ${key}" ${base}/v1/store`);
