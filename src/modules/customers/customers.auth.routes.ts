import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { randomBase62 } from "../../shared/crypto";
import { ApiError } from "../../shared/errors";
import { createRouter, jsonContent, jsonRequest, publicRoute } from "../../shared/openapi";
import { customerRoute } from "./customers.auth";
import { login, revokeSession } from "./customers.auth.service";
import { confirmEmail } from "./customers.confirmation";
import { clientKey, loginLimiter } from "./customers.object";
// The one import of another module's inner file: carts imports this module's index (sessions), so the
// login merge is reached directly to keep the import graph acyclic.
import { mergeCartOnLogin } from "../carts/carts.merge";
import { ConfirmBody, Confirmation, Customer, CustomerSession, LoginBody } from "./customers.schemas";
import { orderFigures } from "./customers.order-figures";
import { getCustomer, normalizeEmail, presentCustomer } from "./customers.service";

const tags = ["Storefront auth"];

const loginRoute = publicRoute({
  operationId: "logInCustomer",
  method: "post",
  path: "/v1/auth/login",
  tags,
  summary: "Log a customer in",
  description:
    "Returns a session token (`cst_...`, valid 30 days, stored hashed). At most 5 attempts per account (store + email) and client address in 15 minutes, and 25 per account across addresses except from addresses that signed in before (429 with Retry-After); a success resets its address's count, and a password change or `POST /v1/customers/{id}/unlock-login` resets all. A wrong password and an unknown email get the same answer.",
  secret: true,
  request: jsonRequest(LoginBody),
  responses: { 201: jsonContent(CustomerSession, "A new session") },
  errors: [401, 429, 503],
});

const logoutRoute = customerRoute({
  operationId: "logOutCustomer",
  method: "post",
  path: "/v1/auth/logout",
  tags,
  summary: "End the presented session",
  description: "The session token stops working at once; other sessions of the customer stay.",
  responses: { 204: { description: "Signed out" } },
});

const meRoute = customerRoute({
  operationId: "getSessionCustomer",
  method: "get",
  path: "/v1/auth/me",
  tags,
  summary: "The signed-in customer",
  description: "The customer the session token belongs to.",
  responses: { 200: jsonContent(Customer, "The customer of the session") },
});

const confirmRoute = publicRoute({
  operationId: "confirmCustomerEmail",
  method: "post",
  path: "/v1/auth/confirm",
  tags,
  summary: "Confirm an email address (for apps)",
  description: "Consumes the token from the confirmation email. Works once; unknown, used and expired tokens are 400 `invalid_token`.",
  request: jsonRequest(ConfirmBody),
  responses: { 200: jsonContent(Confirmation, "The confirmed email") },
});

const HtmlPage = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });

/** The page's button sends this; anything else (any shape, any length) gets the invalid-link page. */
const ConfirmPageBody = z
  .object({ token: z.string().openapi({ example: "ect_Vb7Xn2Qe9Lr4Ty1Ui8Op3As6Df0Gh5J" }) })
  .openapi("ConfirmPageBody");

const confirmPageRoute = publicRoute({
  operationId: "showConfirmationPage",
  method: "get",
  path: "/v1/confirm",
  tags,
  summary: "The confirmation link in the email (`/v1/confirm#<token>`): a page with a confirm button",
  description:
    "For people. The token is in the URL fragment, which browsers never send, so it appears in no request log. The page changes nothing (mail scanners and link previews fetch links by themselves); its button POSTs `{ token }` to `/v1/confirm`.",
  responses: {
    200: HtmlPage("The confirm button"),
    400: HtmlPage("A token sent in the query string (it would be logged) is refused with the invalid-link page"),
  },
});

const confirmPagePostRoute = publicRoute({
  operationId: "submitConfirmationPage",
  method: "post",
  path: "/v1/confirm",
  tags,
  summary: "Confirm an email address (the button on the link's page)",
  description: "Consumes the token once and answers an HTML page; invalid, used or expired tokens, in any shape, answer a 400 page.",
  request: jsonRequest(ConfirmPageBody),
  responses: { 200: HtmlPage("Confirmed"), 400: HtmlPage("Invalid, used or expired link") },
});

const PAGE_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "X-Frame-Options": "DENY",
};

function page(title: string, message: string, extra = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style></head><body><h1>${title}</h1><p>${message}</p>${extra}</body></html>`;
}

const INVALID_LINK_PAGE = page("This link does not work", "It is invalid, has expired or was already used. Ask the shop to send a new one.");

// Reads the token from the fragment, drops it from the address bar and history, and on the button
// POSTs it as JSON; the answer (an HTML page) replaces this one.
const CONFIRM_SCRIPT = `
const token = location.hash.slice(1);
history.replaceState(null, "", location.pathname);
const button = document.getElementById("confirm");
if (!/^ect_[0-9A-Za-z]{32}$/.test(token)) {
  document.querySelector("h1").textContent = "This link does not work";
  document.querySelector("p").textContent = "It is invalid, has expired or was already used. Ask the shop to send a new one.";
  button.remove();
} else {
  button.addEventListener("click", async () => {
    button.disabled = true;
    const response = await fetch("/v1/confirm", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) });
    const answer = new DOMParser().parseFromString(await response.text(), "text/html");
    document.title = answer.title;
    document.body.replaceWith(document.adoptNode(answer.body));
  });
}`;

function confirmPage(): { html: string; headers: Record<string, string> } {
  const nonce = randomBase62(22);
  const html = page(
    "Confirm your email",
    "Press the button to confirm this email address.",
    `<button id="confirm" type="button">Confirm my email address</button><script nonce="${nonce}">${CONFIRM_SCRIPT}</script>`,
  );
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; base-uri 'none'`;
  return { html, headers: { ...PAGE_HEADERS, "Content-Security-Policy": csp } };
}

export const authRouter = createRouter<AppEnv>()
  .openapi(loginRoute, async (c) => {
    const body = c.req.valid("json");
    const gate = loginLimiter(c.env, body.store_id, normalizeEmail(body.email));
    const client = clientKey(c.req.header("CF-Connecting-IP"));
    const session = await login(c.var.db, gate, { storeId: body.store_id, email: body.email, password: body.password, client });
    const cartId = body.cart_token ? await mergeCartOnLogin(c.var.db, c.env, body.store_id, session.customerId, body.cart_token) : null;
    return c.json({ token: session.token, token_type: "Bearer" as const, expires_at: session.expiresAt, customer_id: session.customerId, cart_id: cartId }, 201);
  })
  .openapi(logoutRoute, async (c) => {
    await revokeSession(c.var.db, c.var.customer.sessionId);
    return c.body(null, 204);
  })
  .openapi(meRoute, async (c) => {
    const { storeId, customerId } = c.var.customer;
    const [{ customer, addresses }, figures] = await Promise.all([
      getCustomer(c.var.db, storeId, customerId),
      orderFigures(c.env, storeId)([customerId], 0),
    ]);
    return c.json(presentCustomer(customer, addresses, figures[customerId]), 200);
  })
  .openapi(confirmRoute, async (c) => {
    const confirmed = await confirmEmail(c.var.db, c.req.valid("json").token);
    return c.json({ customer_id: confirmed.customerId, email: confirmed.email, confirmed_at: confirmed.confirmedAt }, 200);
  })
  .openapi(confirmPageRoute, (c) => {
    if (c.req.query("token") !== undefined) return c.html(INVALID_LINK_PAGE, 400, PAGE_HEADERS);
    const { html, headers } = confirmPage();
    return c.html(html, 200, headers);
  })
  .openapi(
    confirmPagePostRoute,
    async (c) => {
      try {
        await confirmEmail(c.var.db, c.req.valid("json").token);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== "invalid_token") throw err;
        return c.html(INVALID_LINK_PAGE, 400, PAGE_HEADERS);
      }
      return c.html(page("Email confirmed", "Thank you: your email address is confirmed. You can close this page."), 200, PAGE_HEADERS);
    },
    // People see this route: a body of any other shape is the same invalid-link page, never problem+json.
    (result, c) => {
      if (!result.success) return c.html(INVALID_LINK_PAGE, 400, PAGE_HEADERS);
    },
  );
