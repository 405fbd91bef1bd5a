import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { assertCustomerExists } from "../../src/modules/customers";
import { call, createStore } from "../helpers";
import { createCustomer } from "./support";

describe("assertCustomerExists (for GET /v1/customers/{id}/orders)", () => {
  it("passes for the store's live customer and is 404 for unknown, deleted and other stores' customers", async () => {
    const db = createDb(env.DB);
    const store = await createStore();
    const other = await createStore();
    const customer = await createCustomer(store);
    const gone = await createCustomer(store);
    expect((await call("DELETE", `/v1/customers/${gone.id}`, { token: store.key })).status).toBe(204);
    await expect(assertCustomerExists(db, store.id, customer.id)).resolves.toBeUndefined();
    for (const [storeId, id] of [[store.id, "cus_unknown"], [store.id, gone.id], [other.id, customer.id]] as const) {
      await expect(assertCustomerExists(db, storeId, id)).rejects.toMatchObject({ code: "not_found", status: 404 });
    }
  });
});
