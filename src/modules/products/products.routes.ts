import type { AppEnv } from "../../context";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { once } from "../idempotency";
import { storeRoute } from "../stores";
import { bulkRows, bulkUpsertProducts } from "./products.bulk";
import {
  BulkProductsBody,
  BulkProductsResult,
  Count,
  CreateProductBody,
  Product,
  ProductFilterQuery,
  ProductListQuery,
  ProductPage,
  ProductSearchQuery,
  UpdateProductBody,
} from "./products.schemas";
import { searchProducts } from "./products.search";
import {
  countProducts,
  createProduct,
  deleteProduct,
  getProduct,
  listProducts,
  presentProduct,
  updateProduct,
} from "./products.service";

const tags = ["Products"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };

const createProductRoute = storeRoute({
  operationId: "createProduct",
  method: "post",
  path: "/v1/products",
  tags,
  summary: "Create a product",
  description: "The currency defaults to the store's. Initial `inventory` is recorded in the ledger as `initial`.",
  idempotency: "optional",
  request: jsonRequest(CreateProductBody),
  responses: { 201: { ...jsonContent(Product, "The new product"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
  errors: [409, 422],
});

const listProductsRoute = storeRoute({
  operationId: "listProducts",
  method: "get",
  path: "/v1/products",
  tags,
  summary: "List products",
  description: "Newest first (`created_at`, then `id`). Filters combine with AND; time ranges include `*_after` and exclude `*_before`.",
  request: { query: ProductListQuery },
  responses: { 200: jsonContent(ProductPage, "A page of products") },
});

const countProductsRoute = storeRoute({
  operationId: "countProducts",
  method: "get",
  path: "/v1/products/count",
  tags,
  summary: "Count products",
  description: "Takes the same filters as the list.",
  request: { query: ProductFilterQuery },
  responses: { 200: jsonContent(Count, "How many live products match") },
});

const searchProductsRoute = storeRoute({
  operationId: "searchProducts",
  method: "get",
  path: "/v1/products/search",
  tags,
  summary: "Full-text search",
  description:
    "Ranked by relevance (bm25; title counts most, then sku, tags, vendor and type, then description). Every word must match, as a word or a word prefix. The cursor is bound to the query; pages are exact while the catalog is unchanged.",
  request: { query: ProductSearchQuery },
  responses: { 200: jsonContent(ProductPage, "A page of matches, best first") },
});

const bulkProductsRoute = storeRoute({
  operationId: "bulkUpsertProducts",
  method: "post",
  path: "/v1/products/bulk",
  tags,
  summary: "Create or update up to 100 products at once",
  description:
    "All or nothing. Items with `id` update that product; items whose `sku` names a live product update it; others create. Stock of existing products is not changed here (use /inventory).",
  idempotency: "optional",
  request: jsonRequest(BulkProductsBody),
  responses: { 200: jsonContent(BulkProductsResult, "Every product, in request order") },
  errors: [404, 409, 422],
});

const getProductRoute = storeRoute({
  operationId: "getProduct",
  method: "get",
  path: "/v1/products/{id}",
  tags,
  summary: "Retrieve a product",
  description: "A live product of the caller's store; `ETag` carries its version for `If-Match`.",
  request: { params: idParam("prod") },
  responses: { 200: { ...jsonContent(Product, "The product"), headers: ETagHeader } },
  errors: [404],
});

const updateProductRoute = storeRoute({
  operationId: "updateProduct",
  method: "patch",
  path: "/v1/products/{id}",
  tags,
  summary: "Update a product",
  description: "Only the fields sent change; `tags` and `metadata` are replaced as a whole. Stock changes go through /inventory.",
  ifMatch: true,
  request: { params: idParam("prod"), ...jsonRequest(UpdateProductBody) },
  responses: { 200: { ...jsonContent(Product, "The updated product"), headers: ETagHeader } },
  errors: [404, 409],
});

const deleteProductRoute = storeRoute({
  operationId: "deleteProduct",
  method: "delete",
  path: "/v1/products/{id}",
  tags,
  summary: "Delete a product",
  description: "Soft delete: the product disappears from every read and its sku becomes free; orders keep referring to it.",
  request: { params: idParam("prod") },
  responses: { 204: { description: "Deleted" } },
  errors: [404],
});

export const productsRouter = createRouter<AppEnv>()
  .openapi(createProductRoute, async (c) => {
    const { store } = c.var.principal;
    const body = c.req.valid("json");
    return once(c, { storeId: store.id }, () => createProduct(c.var.db, store.id, store.currency, body), (row) =>
      c.json(presentProduct(row), 201, { ETag: etag(row.version), Location: `/v1/products/${row.id}` }),
    );
  })
  .openapi(listProductsRoute, async (c) => {
    const page = await listProducts(c.var.db, c.var.principal.storeId, c.req.valid("query"), c.env);
    return c.json(page, 200);
  })
  .openapi(countProductsRoute, async (c) => {
    return c.json({ count: await countProducts(c.var.db, c.var.principal.storeId, c.req.valid("query")) }, 200);
  })
  .openapi(searchProductsRoute, async (c) => {
    const page = await searchProducts(c.var.db, c.var.principal.storeId, c.req.valid("query"), c.env);
    return c.json(page, 200);
  })
  .openapi(bulkProductsRoute, async (c) => {
    const { store } = c.var.principal;
    const items = c.req.valid("json").products;
    return once(c, { storeId: store.id }, () => bulkUpsertProducts(c.var.db, store.id, store.currency, items), (outline, snapshot) =>
      c.json({ data: bulkRows(outline, snapshot).map(presentProduct), created: outline.created, updated: outline.updated }, 200),
    );
  })
  .openapi(getProductRoute, async (c) => {
    const row = await getProduct(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json(presentProduct(row), 200, { ETag: etag(row.version) });
  })
  .openapi(updateProductRoute, async (c) => {
    const row = await updateProduct(c.var.db, c.var.principal.storeId, c.req.valid("param").id, c.req.valid("json"), c.var.expectedVersion);
    return c.json(presentProduct(row), 200, { ETag: etag(row.version) });
  })
  .openapi(deleteProductRoute, async (c) => {
    await deleteProduct(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.body(null, 204);
  });
