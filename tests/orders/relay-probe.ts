import { runInDurableObject } from "cloudflare:test";
import type { OrderEvent } from "../../src/modules/orders";
import { stub } from "./fixtures";

export interface RelayProbe {
  /** Every event the relay handed to the queue, in send order (re-sends included). */
  sent: OrderEvent[];
  /** While positive, a send reaches the queue and then throws, as if the object crashed before marking it delivered. */
  failAfterSend: number;
}

/**
 * Test-only: wraps the live object's `ORDER_EVENTS` binding so a test sees what the relay sends and
 * can inject a failure after a send. Lasts until the object is evicted. No hook in production code.
 */
export async function probeRelay(storeId: string, failAfterSend = 0): Promise<RelayProbe> {
  const probe: RelayProbe = { sent: [], failAfterSend };
  await runInDurableObject(stub(storeId), (instance) => {
    const holder = instance as unknown as { env: Cloudflare.Env };
    const real = holder.env.ORDER_EVENTS;
    const wrapped = {
      send: (body: OrderEvent, options?: QueueSendOptions) => real.send(body, options),
      async sendBatch(messages: Iterable<MessageSendRequest<OrderEvent>>, options?: QueueSendBatchOptions) {
        const list = [...messages];
        await real.sendBatch(list, options);
        probe.sent.push(...list.map((m) => m.body));
        if (probe.failAfterSend > 0) {
          probe.failAfterSend -= 1;
          throw new Error("Injected relay failure after send (test-only)");
        }
      },
    };
    holder.env = { ...holder.env, ORDER_EVENTS: wrapped as unknown as Queue<OrderEvent> };
  });
  return probe;
}
