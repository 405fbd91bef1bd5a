import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { consumeEmailOutbox } from "../../src/modules/customers";
import { type TestStore, call, unique } from "../helpers";

export const PASSWORD = "correct horse battery";

/** Creates a customer through the API (with a password unless told otherwise). */
export async function createCustomer(store: TestStore, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/customers", {
    token: store.key,
    body: { email: `${unique("c")}@example.com`, password: PASSWORD, ...body },
  });
  if (res.status !== 201) throw new Error(`customer creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; email: string; version: number; [key: string]: unknown };
}

/** Runs the email-outbox consumer on one delivery, as the queue would. */
export async function consumeDelivery(deliveryId: string, attempts = 1, bindings = env) {
  const batch = createMessageBatch("email-outbox", [{ id: `msg-${deliveryId}-${attempts}`, timestamp: new Date(), attempts, body: { delivery_id: deliveryId } }]);
  const ctx = createExecutionContext();
  // getQueueResult reports which messages were retried, not with which delay.
  const retry = vi.spyOn(batch.messages[0]!, "retry");
  await consumeEmailOutbox(batch, bindings, ctx);
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryDelays: retry.mock.calls.map((args) => args[0]?.delaySeconds) };
}

/**
 * Asks for a confirmation email and returns the token from its link. With no provider configured
 * and EMAIL_LOG_LINKS=true (.dev.vars), the consumer logs the link: this is how a developer gets it,
 * and it does not matter whether this call or the queue's own delivery logs it first.
 */
export async function confirmationToken(store: TestStore, customerId: string): Promise<{ token: string; deliveryId: string }> {
  const log = vi.spyOn(console, "log");
  try {
    const sent = await call("POST", `/v1/customers/${customerId}/send-confirmation`, { token: store.key });
    expect(sent.status).toBe(202);
    await consumeDelivery(sent.body.id);
    const line = log.mock.calls.map((args) => String(args[0])).find((text) => text.includes(sent.body.id));
    const token = line && /\/v1\/confirm#(ect_[0-9A-Za-z]+)/.exec(JSON.parse(line).text)?.[1];
    if (!token) throw new Error("no confirmation link was logged");
    return { token, deliveryId: sent.body.id };
  } finally {
    log.mockRestore();
  }
}
