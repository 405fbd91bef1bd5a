import { describe, expect, it } from "vitest";
import { call, createStore, expectProblem } from "../helpers";
import { PASSWORD, confirmationToken, createCustomer } from "./support";

describe("a deleted store's tokens and sessions (issue 7.8)", () => {
  it("no longer confirms customers, authenticates sessions or access tokens", async () => {
    const store = await createStore();
    const customer = await createCustomer(store);
    const { token } = await confirmationToken(store, customer.id);
    const session = await call("POST", "/v1/auth/login", { body: { store_id: store.id, email: customer.email, password: PASSWORD } });
    expect(session.status).toBe(201);
    const at = await call("POST", "/v1/store/token", { body: { app_id: store.appId, app_secret: store.appSecret } });
    expect(at.status).toBe(201);

    expect((await call("DELETE", "/v1/store", { token: store.key })).status).toBe(204);

    const page = await call("POST", "/v1/confirm", { body: { token } });
    expect(page.status).toBe(400);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    expectProblem(await call("POST", "/v1/auth/confirm", { body: { token } }), 400, "invalid_token");
    expectProblem(await call("GET", "/v1/auth/me", { token: session.body.token }), 401, "unauthenticated");
    expectProblem(await call("GET", "/v1/store", { token: at.body.access_token }), 401, "unauthenticated");
    expectProblem(await call("GET", "/v1/access-tokens", { token: at.body.access_token }), 401, "unauthenticated");
    expectProblem(await call("POST", "/v1/auth/login", { body: { store_id: store.id, email: customer.email, password: PASSWORD } }), 401, "invalid_credentials");
  });
});
