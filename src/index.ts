import { CORS, createApp } from "./app";
import type { Bindings } from "./context";
import { runQueue } from "./queue";
import { runScheduled } from "./scheduled";
import { withResponseHeaders } from "./shared/http";

export { LoginLimiter } from "./modules/customers";
export { CodeLimiter } from "./modules/limits";
export { CartObject } from "./modules/carts";
export { OrderStream } from "./modules/orders";

const app = createApp();

export default {
  fetch: withResponseHeaders(app.fetch, CORS),
  queue: (batch, env, ctx) => runQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(controller.cron, env)),
} satisfies ExportedHandler<Bindings>;
