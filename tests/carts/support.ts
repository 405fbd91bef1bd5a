import { call, unique } from "../helpers";

export async function product(key: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await call("POST", "/v1/products", { token: key, body: { title: unique("Mug"), price_cents: 1000, inventory: 100, ...body } });
  if (res.status !== 201) throw new Error(`product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function customerWithSession(key: string, storeId: string): Promise<{ id: string; session: string; email: string }> {
  const email = `${unique("shopper")}@example.com`;
  const created = await call("POST", "/v1/customers", { token: key, body: { email, password: "correct horse battery" } });
  if (created.status !== 201) throw new Error(`customer: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await call("POST", "/v1/auth/login", { body: { store_id: storeId, email, password: "correct horse battery" } });
  return { id: created.body.id, session: login.body.token, email };
}

export async function anonymousCart(storeId: string) {
  const res = await call("POST", "/v1/carts", { body: { store_id: storeId } });
  if (res.status !== 201) throw new Error(`cart: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, token: res.body.cart_token as string, body: res.body };
}
