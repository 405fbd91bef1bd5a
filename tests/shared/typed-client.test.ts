import { describe, expect, it } from "vitest";
import { api, createStore, send } from "../helpers";

describe("the typed test client", () => {
  it("sends through the Worker entry and types bodies from the route contracts", async () => {
    const store = await createStore();
    const created = await send(api(store.key).v1.products.$post({ json: { title: "Typed mug", price_cents: 1200 } }));
    if (created.status !== 201) throw new Error(`unexpected ${created.status}`);
    // `created.body` is the Product schema's type here: these lines would not compile on `any` typos.
    const id: string = created.body.id;
    expect(created.body.price_cents).toBe(1200);
    const got = await send(api(store.key).v1.products[":id"].$get({ param: { id } }));
    expect(got.status).toBe(200);
    if (got.status === 200) expect(got.body.title).toBe("Typed mug");
    const updated = await send(
      api(store.key, { "If-Match": '"1"' }).v1.products[":id"].$patch({ param: { id }, json: { price_cents: 900 } }),
    );
    expect(updated.status).toBe(200);
    if (updated.status === 200) expect(updated.body.version).toBe(2);
  });
});
