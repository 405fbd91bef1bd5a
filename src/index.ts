import { createApp } from "./app";
import type { Bindings } from "./context";
import { runQueue } from "./queue";
import { runScheduled } from "./scheduled";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: runQueue,
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(controller.cron, env)),
} satisfies ExportedHandler<Bindings>;

export { LoginLimiter } from "./modules/customers";
