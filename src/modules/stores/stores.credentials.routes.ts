import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { createRouter, idParam, jsonContent } from "../../shared/openapi";
import { PageQuerySchema } from "../../shared/pagination";
import { storeRoute } from "./stores.auth";
import { AccessTokenPage, RotatedAppSecret } from "./stores.schemas";
import { listAccessTokens, revokeAccessToken, rotateAppSecret } from "./stores.service";

const tags = ["Access tokens"];

const listAccessTokensRoute = storeRoute({
  operationId: "listAccessTokens",
  method: "get",
  path: "/v1/access-tokens",
  tags,
  summary: "List live access tokens",
  description: "Unrevoked, unexpired `at_` tokens issued from the app secret, newest first. Secrets are never shown.",
  request: { query: PageQuerySchema },
  responses: { 200: jsonContent(AccessTokenPage, "A page of access tokens") },
});

const revokeAccessTokenRoute = storeRoute({
  operationId: "revokeAccessToken",
  method: "delete",
  path: "/v1/access-tokens/{id}",
  tags,
  summary: "Revoke an access token",
  description: "Takes effect at once in this isolate and within 10 seconds everywhere (credential cache).",
  request: { params: idParam("tok") },
  responses: { 204: { description: "Revoked" } },
  errors: [404],
});

const rotateAppSecretRoute = storeRoute({
  operationId: "rotateAppSecret",
  method: "post",
  path: "/v1/store/app-secret/rotate",
  tags: ["Stores"],
  summary: "Rotate the app secret (API key only)",
  description:
    "Returns a new app secret, shown only here (`Cache-Control: no-store`), and revokes every access token issued from the old one. Access tokens get 403 `forbidden`. Not idempotent: if the answer is lost, rotate again.",
  secret: true,
  responses: { 200: jsonContent(RotatedAppSecret, "The new app secret") },
});

/** Access tokens are listed and revoked; the app secret they come from is rotated. */
export const storeCredentialsRouter = createRouter<AppEnv>()
  .openapi(listAccessTokensRoute, async (c) => {
    return c.json(await listAccessTokens(c.var.db, c.var.principal.storeId, c.req.valid("query"), c.env), 200);
  })
  .openapi(revokeAccessTokenRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!id.startsWith("tok_")) throw new ApiError("not_found", "Access token not found");
    await revokeAccessToken(c.var.db, c.var.principal.storeId, id);
    return c.body(null, 204);
  })
  .openapi(rotateAppSecretRoute, async (c) => {
    const rotated = await rotateAppSecret(c.var.db, c.var.principal);
    return c.json({ app_id: rotated.appId, app_secret: rotated.appSecret }, 200);
  });
