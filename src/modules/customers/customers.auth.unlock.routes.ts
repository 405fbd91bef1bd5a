import type { AppEnv } from "../../context";
import { createRouter, idParam } from "../../shared/openapi";
import { storeRoute } from "../stores";
import { unlockLogin } from "./customers.auth.service";
import { loginLimiter } from "./customers.object";

const unlockLoginRoute = storeRoute({
  operationId: "unlockCustomerLogin",
  method: "post",
  path: "/v1/customers/{id}/unlock-login",
  tags: ["Customers"],
  summary: "Unlock a customer's storefront login",
  description:
    "Clears the login attempt counters of every email of the customer, for every client address, so a customer locked out by someone else's guesses can sign in at once. Changing the password does the same.",
  request: { params: idParam("cus") },
  responses: { 204: { description: "Unlocked" } },
  errors: [404],
});

/** Back-office login administration. */
export const loginAdminRouter = createRouter<AppEnv>().openapi(unlockLoginRoute, async (c) => {
  const storeId = c.var.principal.storeId;
  await unlockLogin(c.var.db, (email) => loginLimiter(c.env, storeId, email), storeId, c.req.valid("param").id);
  return c.body(null, 204);
});
