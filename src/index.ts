import { createApp } from "./app";
import type { Bindings } from "./context";
import { runQueue } from "./queue";
import { runScheduled } from "./scheduled";

export { LoginLimiter } from "./modules/customers";
export { CodeLimiter } from "./modules/limits";
export { CartObject } from "./modules/carts";
export { OrderStream } from "./modules/orders";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => runQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(controller.cron, env)),
} satisfies ExportedHandler<Bindings>;
