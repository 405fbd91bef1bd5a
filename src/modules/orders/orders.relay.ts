import type { OrderLedger } from "./orders.ledger";
import type { OrderEvent } from "./orders.schemas";

/** Commands arm the relay this long after the first undelivered event, so bursts share one send. */
export const RELAY_DELAY_MS = 50;
const RELAY_BATCH_ROWS = 100;
const RELAY_MAX_ROUNDS = 20;
/** Queues take up to 100 messages and 256 KB per sendBatch; stay under both. */
const SEND_BATCH_BYTES = 200_000;
export const RELAY_BACKOFF_MAX_MS = 5 * 60 * 1000;

/**
 * Sends undelivered events in commit order, at least once: a batch is marked delivered only after the
 * queue accepted it, so a crash or a failed send re-sends it later and consumers dedupe.
 */
export async function relayOutbox(ledger: OrderLedger, queue: Queue<OrderEvent>): Promise<void> {
  for (let round = 0; round < RELAY_MAX_ROUNDS; round++) {
    const rows = ledger.undelivered(RELAY_BATCH_ROWS);
    if (rows.length === 0) return;
    for (const chunk of chunkBySize(rows)) {
      await queue.sendBatch(chunk.map((row) => ({ body: JSON.parse(row.payload) as OrderEvent, contentType: "json" as const })));
      ledger.markDelivered(
        chunk.map((row) => row.seq),
        Date.now(),
      );
    }
  }
}

/** Delay before retrying a relay that failed `failures` times in a row (plus up to 1 s of jitter). */
export function relayBackoffMs(failures: number): number {
  return Math.min(1000 * 2 ** failures, RELAY_BACKOFF_MAX_MS) + Math.floor(Math.random() * 1000);
}

const encoder = new TextEncoder();

function chunkBySize<T extends { payload: string }>(rows: T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = encoder.encode(row.payload).byteLength;
    if (current.length > 0 && (current.length === 100 || bytes + size > SEND_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
