import type { AppEnv } from "../../context";
import { ApiError } from "../../shared/errors";
import { createRouter, idParam, jsonContent, jsonRequest, publicRoute, RESPONSE_HEADERS } from "../../shared/openapi";
import { PageQuerySchema } from "../../shared/pagination";
import { etag } from "../../shared/versioning";
import { once } from "../idempotency";
import { operatorRoute, storeRoute } from "./stores.auth";
import {
  AccessToken,
  ApiKeyPage,
  CreateApiKeyBody,
  CreateStoreBody,
  CreatedApiKey,
  CreatedStore,
  Store,
  TokenBody,
  UpdateStoreBody,
} from "./stores.schemas";
import {
  createApiKey,
  createStore,
  deleteStore,
  getStore,
  issueAccessToken,
  listApiKeys,
  presentApiKey,
  presentStore,
  revokeApiKey,
  updateStore,
} from "./stores.service";

const tags = ["Stores"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };

const createStoreRoute = operatorRoute({
  operationId: "createStore",
  method: "post",
  path: "/v1/stores",
  tags,
  summary: "Create a store (operator)",
  description: "Returns the store, its first secret API key and its app secret. Both secrets are shown only here.",
  idempotency: "optional",
  secret: true,
  request: jsonRequest(CreateStoreBody),
  responses: {
    201: { ...jsonContent(CreatedStore, "The new store with its secrets"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } },
  },
  errors: [409, 422],
});

const getStoreRoute = storeRoute({
  operationId: "getStore",
  method: "get",
  path: "/v1/store",
  tags,
  summary: "Retrieve the caller's store",
  description: "The store the credential belongs to, with its settings; `ETag` carries its version.",
  responses: { 200: { ...jsonContent(Store, "The store"), headers: ETagHeader } },
});

const updateStoreRoute = storeRoute({
  operationId: "updateStore",
  method: "patch",
  path: "/v1/store",
  tags,
  summary: "Update the caller's store settings",
  description: "Only the fields sent change. Requires `If-Match` with the version last read (428 without, 412 when stale).",
  ifMatch: true,
  request: jsonRequest(UpdateStoreBody),
  responses: { 200: { ...jsonContent(Store, "The updated store"), headers: ETagHeader } },
});

const deleteStoreRoute = storeRoute({
  operationId: "deleteStore",
  method: "delete",
  path: "/v1/store",
  tags,
  summary: "Delete the caller's store",
  description: "Soft delete: the store disappears and every API key and access token is revoked at once.",
  responses: { 204: { description: "Deleted" } },
});

const tokenRoute = publicRoute({
  operationId: "createAccessToken",
  method: "post",
  path: "/v1/store/token",
  tags,
  summary: "Exchange app id and app secret for an access token",
  description: "Each call issues a new bearer token (`at_...`) valid for 24 hours. Not idempotent by design: tokens are never stored in clear.",
  secret: true,
  request: jsonRequest(TokenBody),
  responses: { 201: jsonContent(AccessToken, "A new access token") },
  errors: [401, 503],
});

const createKeyRoute = storeRoute({
  operationId: "createApiKey",
  method: "post",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "Create an API key",
  description: "The secret is in this response only; it is stored as a SHA-256 hash.",
  idempotency: "optional",
  secret: true,
  request: jsonRequest(CreateApiKeyBody),
  responses: { 201: jsonContent(CreatedApiKey, "The new key with its secret") },
});

const listKeysRoute = storeRoute({
  operationId: "listApiKeys",
  method: "get",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "List active API keys",
  description: "Newest first; secrets are never shown again, only ids, names and last use.",
  request: { query: PageQuerySchema },
  responses: { 200: jsonContent(ApiKeyPage, "A page of keys, newest first") },
});

const revokeKeyRoute = storeRoute({
  operationId: "revokeApiKey",
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["API keys"],
  summary: "Revoke an API key",
  description: "The key stops working at once, also on every Worker isolate that cached it.",
  request: { params: idParam("key") },
  responses: { 204: { description: "Revoked" } },
  errors: [404],
});

export const storesRouter = createRouter<AppEnv>()
  .openapi(createStoreRoute, async (c) => {
    const body = c.req.valid("json");
    return once(c, { storeId: "operator" }, () => createStore(c.var.db, body), (created) =>
      c.json(
        {
          store: presentStore(created.store),
          api_key: { ...presentApiKey(created.apiKey), secret: created.apiKeySecret },
          app_secret: created.appSecret,
        },
        201,
        { ETag: etag(created.store.version), Location: "/v1/store" },
      ),
    );
  })
  .openapi(getStoreRoute, async (c) => {
    const store = await getStore(c.var.db, c.var.principal.storeId);
    return c.json(presentStore(store), 200, { ETag: etag(store.version) });
  })
  .openapi(updateStoreRoute, async (c) => {
    const updated = await updateStore(c.var.db, c.var.principal.storeId, c.var.expectedVersion, c.req.valid("json"));
    return c.json(presentStore(updated), 200, { ETag: etag(updated.version) });
  })
  .openapi(deleteStoreRoute, async (c) => {
    await deleteStore(c.var.db, c.var.principal.storeId);
    return c.body(null, 204);
  })
  .openapi(tokenRoute, async (c) => {
    const body = c.req.valid("json");
    const issued = await issueAccessToken(c.var.db, body.app_id, body.app_secret);
    return c.json({ access_token: issued.token, token_type: "Bearer" as const, expires_at: issued.expiresAt }, 201);
  })
  .openapi(createKeyRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const name = c.req.valid("json").name ?? null;
    return once(c, { storeId }, () => createApiKey(c.var.db, c.var.principal, name), ({ row, secret }) =>
      c.json({ ...presentApiKey(row), secret }, 201),
    );
  })
  .openapi(listKeysRoute, async (c) => {
    const page = await listApiKeys(c.var.db, c.var.principal.storeId, c.req.valid("query"), c.env);
    return c.json(page, 200);
  })
  .openapi(revokeKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!id.startsWith("key_")) throw new ApiError("not_found", "API key not found");
    await revokeApiKey(c.var.db, c.var.principal, id);
    return c.body(null, 204);
  });
