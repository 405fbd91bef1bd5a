// Benchmark-only entry: the real Worker plus ceiling routes that show what the platform itself
// manages on this machine in the same run. Never deployed (wrangler.toml's main is src/index.ts).
import { DurableObject } from "cloudflare:workers";
import worker from "../src/index";
import { Hono } from "hono";
import type { AppEnv, Bindings } from "../src/context";
import { createDb } from "../src/db/client";
import { OrderStream as ProductionOrderStream } from "../src/modules/orders";
import { requireStore } from "../src/modules/stores";

export * from "../src/index";

/**
 * The production order stream plus the benchmark's RPC ceiling. Exported under the production class
 * name (a local export wins over `export *`), so wrangler.toml's ORDER_STREAM binding gets it here.
 */
export class OrderStream extends ProductionOrderStream {
  /** Cheapest possible round trip to the same object. */
  ping(): "pong" {
    return "pong";
  }
}

function benchStream(env: Bindings, storeId: string): DurableObjectStub<OrderStream> {
  const namespace = env.ORDER_STREAM as unknown as DurableObjectNamespace<OrderStream>;
  return namespace.get(namespace.idFromName(storeId));
}

interface BenchBindings extends Bindings {
  BENCH_WRITER: DurableObjectNamespace<BenchWriter>;
}

/**
 * The floor of any durable command: one RPC that commits one row to the object's SQLite and
 * returns. Bound only by the harness (bench/run.mjs), never in wrangler.toml.
 */
export class BenchWriter extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS writes (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  }

  write(): number {
    this.ctx.storage.sql.exec("INSERT INTO writes (id, at) VALUES (?, ?)", crypto.randomUUID(), Date.now());
    return 1;
  }
}

// The same credential check every /v1 route pays, in front of the same bare RPC.
const authenticatedRpc = new Hono<AppEnv>()
  .use(async (c, next) => {
    c.set("db", createDb(c.env.DB));
    await next();
  })
  .get("/__bench/rpc-auth", requireStore(), async (c) => c.json({ pong: await benchStream(c.env, c.var.principal.storeId).ping() }));

export default {
  ...worker,
  async fetch(request: Request, env: BenchBindings, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/__bench/noop":
        return Response.json({ ok: true });
      case "/__bench/d1-read": {
        const row = await env.DB.prepare("SELECT id, name FROM stores WHERE id = ?").bind(url.searchParams.get("id")).first();
        return Response.json(row);
      }
      case "/__bench/d1-write": {
        await env.DB.prepare("INSERT INTO bench_writes (id, at) VALUES (?, ?)").bind(crypto.randomUUID(), new Date().toISOString()).run();
        return Response.json({ ok: true }, { status: 201 });
      }
      case "/__bench/rpc": {
        // A bare round trip to the store's order stream: no auth, no storage, no business rules.
        const pong = await benchStream(env, url.searchParams.get("store") ?? "bench").ping();
        return Response.json({ pong });
      }
      case "/__bench/do-write": {
        const stub = env.BENCH_WRITER.get(env.BENCH_WRITER.idFromName(url.searchParams.get("store") ?? "bench"));
        return Response.json({ written: await stub.write() }, { status: 201 });
      }
      case "/__bench/rpc-auth":
        return authenticatedRpc.fetch(request, env, ctx);
      default:
        return worker.fetch(request, env, ctx);
    }
  },
} satisfies ExportedHandler<BenchBindings>;
