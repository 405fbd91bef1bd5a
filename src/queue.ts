import type { Bindings } from "./context";
import { consumeEmailOutbox } from "./modules/customers";

type Consumer = (batch: MessageBatch<unknown>, env: Bindings, ctx: ExecutionContext) => Promise<void>;

/** Queue name (the same strings as wrangler.toml `[[queues.consumers]]`) to the module consumer. */
export const QUEUES: Record<string, Consumer> = {
  "email-outbox": consumeEmailOutbox,
};

export async function runQueue(batch: MessageBatch<unknown>, env: Bindings, ctx: ExecutionContext): Promise<void> {
  const consumer = QUEUES[batch.queue];
  if (!consumer) throw new Error(`No consumer for queue "${batch.queue}"`);
  await consumer(batch, env, ctx);
}
