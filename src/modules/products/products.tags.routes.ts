import type { AppEnv } from "../../context";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { storeRoute } from "../stores";
import { Product, TagSchema } from "./products.schemas";
import { addTag, clearTags, presentProduct, removeTag } from "./products.service";

const tags = ["Product tags"];
const TagParams = idParam("prod").extend({
  tag: TagSchema.openapi({ param: { name: "tag", in: "path" }, description: "Case-insensitive; URL-encode spaces" }),
});
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };

const addTagRoute = storeRoute({
  operationId: "addProductTag",
  method: "put",
  path: "/v1/products/{id}/tags/{tag}",
  tags,
  summary: "Add a tag",
  description: "Idempotent; a product has at most 50 tags (409 beyond).",
  request: { params: TagParams },
  responses: { 200: { ...jsonContent(Product, "The product with the tag"), headers: ETagHeader } },
  errors: [404, 409],
});

const removeTagRoute = storeRoute({
  operationId: "removeProductTag",
  method: "delete",
  path: "/v1/products/{id}/tags/{tag}",
  tags,
  summary: "Remove a tag",
  description: "Idempotent: removing a tag the product does not have changes nothing.",
  request: { params: TagParams },
  responses: { 200: { ...jsonContent(Product, "The product without the tag"), headers: ETagHeader } },
  errors: [404],
});

const clearTagsRoute = storeRoute({
  operationId: "clearProductTags",
  method: "delete",
  path: "/v1/products/{id}/tags",
  tags,
  summary: "Remove every tag",
  description: "Leaves the product without tags; a product that has none is unchanged.",
  request: { params: idParam("prod") },
  responses: { 200: { ...jsonContent(Product, "The product without tags"), headers: ETagHeader } },
  errors: [404],
});

export const productTagsRouter = createRouter<AppEnv>()
  .openapi(addTagRoute, async (c) => {
    const { id, tag } = c.req.valid("param");
    const row = await addTag(c.var.db, c.var.principal.storeId, id, tag);
    return c.json(presentProduct(row), 200, { ETag: etag(row.version) });
  })
  .openapi(removeTagRoute, async (c) => {
    const { id, tag } = c.req.valid("param");
    const row = await removeTag(c.var.db, c.var.principal.storeId, id, tag);
    return c.json(presentProduct(row), 200, { ETag: etag(row.version) });
  })
  .openapi(clearTagsRoute, async (c) => {
    const row = await clearTags(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json(presentProduct(row), 200, { ETag: etag(row.version) });
  });

