import type { z } from "@hono/zod-openapi";

/**
 * Retry delay after a message failed `attempts` times (1-based): 10 s, 20 s, 40 s ... capped at one
 * hour, with ±20 % jitter so a burst of failures does not retry in lockstep. Every consumer uses it.
 */
export function retryDelaySeconds(attempts: number, random = Math.random): number {
  const base = Math.min(5 * 2 ** Math.max(1, attempts), 3600);
  return Math.max(1, Math.round(base * (0.8 + 0.4 * random())));
}

export interface ConsumedMessage<T> {
  id: string;
  attempts: number;
  body: T;
}

export interface ConsumerSpec<T, E> {
  schema: z.ZodType<T>;
  /**
   * Handles the valid messages of one batch and returns the ids to retry (the rest are acked): a
   * Set retries them with `retryDelaySeconds`; a Map gives a delay per id where the handler knows
   * better (e.g. another consumer holds a claim for 60 s). Throwing retries every valid message.
   */
  handle: (messages: ConsumedMessage<T>[], env: E, ctx: ExecutionContext) => Promise<ReadonlySet<string> | ReadonlyMap<string, number> | void>;
  /** Called with messages whose body does not parse: they can never succeed, so they are acked. */
  invalid?: (messages: Array<{ id: string; body: unknown; reason: string }>, env: E) => Promise<void>;
}

/**
 * One queue consumer shape: zod-parse each body, ack or retry message by message with one backoff
 * formula. Messages that exhaust `max_retries` go to the queue's dead-letter queue (wrangler.toml),
 * whose consumer records them (`deadLetterConsumer`).
 */
export function defineConsumer<T, E>(spec: ConsumerSpec<T, E>) {
  return async (batch: MessageBatch<unknown>, env: E, ctx: ExecutionContext): Promise<void> => {
    const valid: Array<{ message: Message<unknown>; item: ConsumedMessage<T> }> = [];
    const invalid: Array<{ message: Message<unknown>; reason: string }> = [];
    for (const message of batch.messages) {
      const parsed = spec.schema.safeParse(message.body);
      if (parsed.success) valid.push({ message, item: { id: message.id, attempts: message.attempts, body: parsed.data } });
      else invalid.push({ message, reason: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
    }
    if (invalid.length > 0) {
      console.error(JSON.stringify({ level: "error", queue: batch.queue, invalid_messages: invalid.map((m) => m.message.id) }));
      await spec.invalid?.(invalid.map(({ message, reason }) => ({ id: message.id, body: message.body, reason })), env);
      for (const { message } of invalid) message.ack();
    }
    if (valid.length === 0) return;
    let failed: ReadonlySet<string> | ReadonlyMap<string, number>;
    try {
      failed = (await spec.handle(valid.map((v) => v.item), env, ctx)) ?? new Set();
    } catch (error) {
      console.error(JSON.stringify({ level: "error", queue: batch.queue, error: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message.split("\nparams:")[0] : String(error) }));
      failed = new Set(valid.map((v) => v.item.id));
    }
    for (const { message } of valid) {
      if (!failed.has(message.id)) message.ack();
      else message.retry({ delaySeconds: failed instanceof Map ? failed.get(message.id)! : retryDelaySeconds(message.attempts) });
    }
  };
}
