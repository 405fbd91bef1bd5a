// Benchmark-only entry: the real Worker plus ceiling routes that show what the platform itself
// manages on this machine in the same run. Never deployed (wrangler.toml's main is src/index.ts).
import worker from "../src/index";
import type { Bindings } from "../src/context";

export * from "../src/index";

export default {
  ...worker,
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
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
      default:
        return worker.fetch(request, env, ctx);
    }
  },
} satisfies ExportedHandler<Bindings>;
