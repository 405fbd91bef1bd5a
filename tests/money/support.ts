import { env } from "cloudflare:workers";
import { createDb } from "../../src/db/client";
import { type Write, commit } from "../../src/modules/idempotency";
import { call, unique } from "../helpers";

export const db = () => createDb(env.DB);

export async function createCustomer(key: string): Promise<string> {
  const res = await call("POST", "/v1/customers", { token: key, body: { email: `${unique("c")}@example.com` } });
  if (res.status !== 201) throw new Error(`customer: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Plans and commits a primitive like checkout will: "ok", or the refusal's error code. */
export async function attempt<R>(storeId: string, plan: () => Promise<Write<R>>): Promise<{ outcome: string; result?: R }> {
  try {
    const { result } = await commit(db(), await plan(), { storeId });
    return { outcome: "ok", result };
  } catch (error) {
    return { outcome: (error as { code?: string }).code ?? String(error) };
  }
}

export function tally(outcomes: Array<{ outcome: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { outcome } of outcomes) out[outcome] = (out[outcome] ?? 0) + 1;
  return out;
}

export async function eventTypes(storeId: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT type FROM events WHERE store_id = ? ORDER BY created_at, id").bind(storeId).all<{ type: string }>();
  return results.map((r) => r.type);
}

/** A problem body without its request id, to compare refusals byte for byte. */
export function withoutRequestId(text: string): string {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify({ ...parsed, request_id: undefined });
}
