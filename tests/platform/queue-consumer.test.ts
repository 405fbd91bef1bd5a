import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineConsumer, retryDelaySeconds } from "../../src/shared/queue-consumer";

function fakeBatch(bodies: unknown[], attempts = 1) {
  const acked: string[] = [];
  const retried: Array<{ id: string; delay: number | undefined }> = [];
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    attempts,
    body,
    ack: () => acked.push(`m${i}`),
    retry: (o?: { delaySeconds?: number }) => retried.push({ id: `m${i}`, delay: o?.delaySeconds }),
  }));
  return { batch: { queue: "q", messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<unknown>, acked, retried };
}

describe("defineConsumer", () => {
  const consumer = defineConsumer({
    schema: z.object({ n: z.number() }),
    async handle(messages) {
      return new Set(messages.filter((m) => m.body.n < 0).map((m) => m.id));
    },
  });

  it("acks good messages, retries the ones the handler reports, acks bodies that can never parse", async () => {
    const { batch, acked, retried } = fakeBatch([{ n: 1 }, { n: -1 }, "garbage"], 3);
    await consumer(batch, {}, {} as ExecutionContext);
    expect(acked.sort()).toEqual(["m0", "m2"]);
    expect(retried.map((r) => r.id)).toEqual(["m1"]);
    expect(retried[0]!.delay).toBeGreaterThanOrEqual(32);
    expect(retried[0]!.delay).toBeLessThanOrEqual(48);
  });

  it("retries every valid message when the handler throws", async () => {
    const throwing = defineConsumer({ schema: z.object({ n: z.number() }), handle: async () => { throw new Error("db down"); } });
    const { batch, acked, retried } = fakeBatch([{ n: 1 }, { n: 2 }]);
    await throwing(batch, {}, {} as ExecutionContext);
    expect(acked).toEqual([]);
    expect(retried.map((r) => r.id)).toEqual(["m0", "m1"]);
  });

  it("backs off exponentially with jitter, capped at an hour", () => {
    expect(retryDelaySeconds(1, () => 0.5)).toBe(10);
    expect(retryDelaySeconds(3, () => 0.5)).toBe(40);
    expect(retryDelaySeconds(30, () => 1)).toBe(4320);
    expect(retryDelaySeconds(30, () => 0)).toBe(2880);
  });
});
