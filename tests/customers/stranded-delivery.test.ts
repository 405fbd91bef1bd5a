import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createStore, entry } from "../helpers";
import { createCustomer } from "./support";

async function status(id: string) {
  return (await env.DB.prepare("SELECT status FROM email_deliveries WHERE id = ?").bind(id).first<{ status: string }>())!.status;
}

describe("cron * * * * *: email deliveries a crash left unsent", () => {
  it("re-sends a delivery never attempted a minute after it was written", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const sent = await call("POST", `/v1/customers/${customer.id}/send-confirmation`, { token: store.key });
    expect(sent.status).toBe(202);
    // Simulate the send being lost after the commit: the row is queued and never attempted, and old.
    const stranded = sent.body.id as string;
    await env.DB.prepare("UPDATE email_deliveries SET status = 'queued', attempts = 0, created_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 5 * 60_000).toISOString(), stranded)
      .run();
    const result = await entry().scheduled({ cron: "* * * * *", scheduledTime: new Date() });
    expect(result.outcome).toBe("ok");
    const deadline = Date.now() + 8_000;
    while ((await status(stranded)) === "queued" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await status(stranded)).toBe("logged");
  });
});
