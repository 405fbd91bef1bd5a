import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../src/db/schema";
import { checkoutCart } from "../../src/modules/billing";
import { createStore, unique } from "../helpers";
import { product, readyCart } from "./support";

/** A D1 binding that counts round trips and statements (a batch is one round trip of many statements). */
function counting(d1: D1Database) {
  const counts = { roundTrips: 0, statements: 0 };
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop === "bind") return (...args: unknown[]) => wrap((value as (...a: unknown[]) => D1PreparedStatement).apply(target, args));
        if (prop === "all" || prop === "run" || prop === "first" || prop === "raw") {
          return (...args: unknown[]) => {
            counts.roundTrips++;
            counts.statements++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const proxy = new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counts.roundTrips++;
          counts.statements += statements.length;
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { d1: proxy, counts };
}

describe("checkout's D1 cost", () => {
  it("a 2-line checkout paid by card: at most 16 statements in 5 round trips (quoted in docs/capacity.md)", async () => {
    const store = await createStore();
    const cartId = await readyCart(store, [{ product_id: await product(store.key), quantity: 1 }, { product_id: await product(store.key), quantity: 2 }]);
    const { d1, counts } = counting(env.DB);
    const db = drizzle(d1, { schema }) as unknown as Parameters<typeof checkoutCart>[0];
    const answer = await checkoutCart(db, env, { kind: "store", storeId: store.id, credentialId: store.keyId }, cartId, { key: unique("k"), requestHash: "h" }, (p) => createExecutionContext().waitUntil(p.catch(() => undefined)));
    expect(answer.status).toBe(200);
    console.log(`checkout D1: ${counts.statements} statements in ${counts.roundTrips} round trips`);
    expect(counts.roundTrips).toBeLessThanOrEqual(5);
    expect(counts.statements).toBeLessThanOrEqual(16);
  });
});
