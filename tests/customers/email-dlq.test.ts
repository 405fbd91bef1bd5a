import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { commit } from "../../src/modules/idempotency";
import { requestConfirmation } from "../../src/modules/customers/customers.confirmation";
import { EMAIL_MAX_ATTEMPTS } from "../../src/modules/customers/customers.consumer";
import { call, createStore, entry } from "../helpers";
import { createCustomer } from "./support";

afterEach(() => vi.restoreAllMocks());

async function quietDelivery(storeId: string, customerId: string) {
  const outbox = { send: async () => undefined } as unknown as Queue<{ delivery_id: string }>;
  const db = createDb(env.DB);
  const write = await requestConfirmation(db, { outbox, signingSecret: env.SIGNING_SECRET }, { id: storeId, name: "Shop" }, customerId);
  return (await commit(db, write, { storeId })).result;
}

const row = (id: string) =>
  env.DB.prepare("SELECT status, payload, attempts, last_error, locked_until FROM email_deliveries WHERE id = ?")
    .bind(id)
    .first<{ status: string; payload: string | null; attempts: number; last_error: string | null; locked_until: string | null }>();

const message = (deliveryId: string, attempts: number) => ({ id: `m-${deliveryId}-${attempts}`, timestamp: new Date(), attempts, body: { delivery_id: deliveryId } });

describe("an email whose processing throws (issue 7.6)", () => {
  it("is retried while attempts remain, and the last attempt leaves it failed with the payload erased", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const store = await createStore();
    const customer = await createCustomer(store);
    const queued = await quietDelivery(store.id, customer.id);
    await env.DB.prepare("UPDATE email_deliveries SET payload = 'not-a-ciphertext' WHERE id = ?").bind(queued.id).run();

    const early = await entry().queue("email-outbox", [message(queued.id, 1)]);
    expect(early.retryMessages).toEqual([{ msgId: `m-${queued.id}-1`, delaySeconds: 30 }]);
    // The crashed attempt gives its claim back, so the next attempt need not wait it out.
    expect(await row(queued.id)).toMatchObject({ status: "queued", attempts: 1, locked_until: null });
    expect((await row(queued.id))?.payload).not.toBeNull();
    const last = await entry().queue("email-outbox", [message(queued.id, EMAIL_MAX_ATTEMPTS)]);
    expect(last.retryMessages).toHaveLength(1);
    expect(await row(queued.id)).toMatchObject({ status: "failed", payload: null, locked_until: null });
    expect((await row(queued.id))?.last_error).toBeTruthy();
    const seen = await call("GET", `/v1/email-deliveries/${queued.id}`, { token: store.key });
    expect(seen.body).toMatchObject({ status: "failed" });
  });
});

describe("email-outbox-dlq consumer", () => {
  it("finishes dead-lettered deliveries as failed and erases their payload", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const store = await createStore();
    const customer = await createCustomer(store);
    const stuck = await quietDelivery(store.id, customer.id);
    await env.DB.prepare("UPDATE email_deliveries SET status = 'sending', attempts = ?, locked_until = ? WHERE id = ?")
      .bind(EMAIL_MAX_ATTEMPTS, new Date(Date.now() - 1000).toISOString(), stuck.id)
      .run();
    const waiting = await quietDelivery(store.id, (await createCustomer(store)).id);

    const result = await entry().queue("email-outbox-dlq", [message(stuck.id, 1), message(waiting.id, 1), { id: "junk", timestamp: new Date(), attempts: 1, body: "junk" }]);
    expect(result.outcome).toBe("ok");
    expect([...result.explicitAcks].sort()).toEqual(["junk", `m-${stuck.id}-1`, `m-${waiting.id}-1`].sort());
    for (const id of [stuck.id, waiting.id]) {
      expect(await row(id)).toMatchObject({ status: "failed", payload: null, locked_until: null });
      expect((await row(id))?.last_error).toMatch(/dead-letter/);
    }
  });

  it("leaves finished deliveries alone and waits for one still being sent", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const store = await createStore();
    const customer = await createCustomer(store);
    const sent = await quietDelivery(store.id, customer.id);
    await env.DB.prepare("UPDATE email_deliveries SET status = 'sent', payload = NULL WHERE id = ?").bind(sent.id).run();
    const busy = await quietDelivery(store.id, (await createCustomer(store)).id);
    await env.DB.prepare("UPDATE email_deliveries SET status = 'sending', locked_until = ? WHERE id = ?")
      .bind(new Date(Date.now() + 60_000).toISOString(), busy.id)
      .run();

    const result = await entry().queue("email-outbox-dlq", [message(sent.id, 1), message(busy.id, 1)]);
    expect(result.explicitAcks).toEqual([`m-${sent.id}-1`]);
    expect(result.retryMessages).toEqual([{ msgId: `m-${busy.id}-1`, delaySeconds: 60 }]);
    expect(await row(sent.id)).toMatchObject({ status: "sent" });
    expect(await row(busy.id)).toMatchObject({ status: "sending" });
  });
});
