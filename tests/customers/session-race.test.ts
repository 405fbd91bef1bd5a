import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { login } from "../../src/modules/customers/customers.auth.service";
import { call, createStore } from "../helpers";
import { PASSWORD, createCustomer } from "./support";

const headers = { "CF-Connecting-IP": "203.0.113.7" };

describe("sessions and password changes (issue 7.1)", () => {
  it("leaves no working session from logins in flight while the password changes", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    for (let trial = 0; trial < 3; trial++) {
      const logins = Array.from({ length: 4 }, (_, i) =>
        scheduler
          .wait(i * 3)
          .then(() => call("POST", "/v1/auth/login", { headers, body: { store_id: store.id, email: customer.email, password: trial === 0 ? PASSWORD : `pw-${trial}-old` } })),
      );
      await scheduler.wait(5);
      const changed = await call("PATCH", `/v1/customers/${customer.id}`, {
        token: store.key,
        body: { password: `pw-${trial + 1}-old` },
        headers: { "If-Match": `"${trial + 1}"` },
      });
      expect(changed.status).toBe(200);
      const results = await Promise.all(logins);
      const tokens = results.filter((r) => r.status === 201).map((r) => r.body.token as string);
      results.filter((r) => r.status !== 201).forEach((r) => expect(r.status).toBe(401));
      const working = await Promise.all(tokens.map((token) => call("GET", "/v1/auth/me", { token })));
      expect(working.filter((r) => r.status === 200)).toHaveLength(0);
    }
  });

  it("does not create a session when the password changed after it was verified", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const db = createDb(env.DB);
    // The gate runs after the password hash was read and before the session insert: change the password there.
    const gate = {
      attempt: async () => {
        const res = await call("PATCH", `/v1/customers/${customer.id}`, {
          token: store.key,
          body: { password: "changed meanwhile" },
          headers: { "If-Match": '"1"' },
        });
        expect(res.status).toBe(200);
        return { allowed: true, retryAfterSeconds: 0 };
      },
      succeeded: async () => undefined,
    };
    await expect(login(db, gate, { storeId: store.id, email: customer.email, password: PASSWORD, client: "203.0.113.7" })).rejects.toMatchObject({
      code: "invalid_credentials",
    });
    const sessions = await env.DB.prepare("SELECT count(*) AS n FROM customer_sessions WHERE customer_id = ? AND revoked_at IS NULL")
      .bind(customer.id)
      .first<{ n: number }>();
    expect(sessions?.n).toBe(0);
  });
});
