import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { type TestStore, call, unique } from "../helpers";
import { consumeDelivery } from "../customers/support";

export type Received = { method: string; path: string; headers: Record<string, string>; body: string; at: number };

/** A realizer on the test sink, answering as programmed (`responses` in order, then `default`). */
export async function realizer(name: string, program?: { responses?: unknown[]; default?: unknown }) {
  await fetch(`${env.SINK_URL}/_control/${name}`, { method: "POST", body: JSON.stringify(program ?? {}) });
  return `${env.SINK_URL}/${name}/realize`;
}

export const received = async (name: string) => (await (await fetch(`${env.SINK_URL}/_requests/${name}`)).json()) as Received[];

export async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

export async function createBrand(store: TestStore, url: string, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/brands", { token: store.key, body: { name: unique("brand"), realizer_url: url, ...body } });
  if (res.status !== 201) throw new Error(`brand: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; secret: string; version: number };
}

const NEXT_YEAR = new Date(Date.now() + 365 * 86_400_000).toISOString();

export async function createDiscount(store: TestStore, brandId: string, body: Record<string, unknown> = {}) {
  const res = await call("POST", `/v1/brands/${brandId}/discounts`, { token: store.key, body: { name: unique("disc"), type: "percent", amount: 10, expires_at: NEXT_YEAR, ...body } });
  if (res.status !== 201) throw new Error(`discount: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; brand_id: string; version: number; [k: string]: unknown };
}

export function register(store: TestStore, brandId: string, discountId: string, body: Record<string, unknown> = {}) {
  return call("POST", `/v1/brands/${brandId}/discounts/${discountId}/fans`, { token: store.key, body: { name: "Uni User", email: `${unique("fan")}@example.com`, ...body } });
}

export const coupon = async (store: TestStore, id: string) => (await call("GET", `/v1/coupons/${id}`, { token: store.key })).body;

/** Runs the email consumer on a fan's verification email and returns the token from the logged link. */
export async function verificationToken(deliveryId: string): Promise<string> {
  const log = vi.spyOn(console, "log");
  try {
    await consumeDelivery(deliveryId);
    const line = log.mock.calls.map((args) => String(args[0])).find((text) => text.includes(deliveryId));
    const token = line && /\/v1\/fans\/verify\/(fvt_[0-9A-Za-z]+)/.exec(JSON.parse(line).text)?.[1];
    expect(token).toBeTruthy();
    return token!;
  } finally {
    log.mockRestore();
  }
}
