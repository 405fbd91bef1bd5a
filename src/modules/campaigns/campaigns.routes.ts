import type { AppEnv } from "../../context";
import { PageQuerySchema } from "../../shared/pagination";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { storeRoute } from "../stores";
import { createBrand, deleteBrand, getBrand, listBrands, presentBrand, rotateBrandSecret, updateBrand } from "./campaigns.brands";
import { createDiscount, deleteDiscount, getDiscount, listDiscounts, presentDiscount, updateDiscount } from "./campaigns.discounts";
import { Brand, BrandPage, BrandWithSecret, CreateBrandBody, CreateDiscountBody, Discount, DiscountPage, UpdateBrandBody, UpdateDiscountBody } from "./campaigns.schemas";

const tags = ["Brands and discounts"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };
const brandParams = idParam("brand");
const discountParams = idParam("brand").merge(idParam("disc", "discount_id"));

const createBrandRoute = storeRoute({
  operationId: "createBrand",
  method: "post",
  path: "/v1/brands",
  tags,
  summary: "Create a brand",
  description:
    "A brand's coupons are realized by POSTing them to `realizer_url` (https; loopback only in local development), signed per Standard Webhooks with the `secret` shown only in this response.",
  secret: true,
  request: jsonRequest(CreateBrandBody),
  responses: { 201: { ...jsonContent(BrandWithSecret, "The brand and its signing secret"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
});

const listBrandsRoute = storeRoute({ operationId: "listBrands", method: "get", path: "/v1/brands", tags, summary: "List brands", description: "Newest first.", request: { query: PageQuerySchema }, responses: { 200: jsonContent(BrandPage, "A page of brands") } });

const getBrandRoute = storeRoute({ operationId: "getBrand", method: "get", path: "/v1/brands/{id}", tags, summary: "Retrieve a brand", description: "Never shows the secret.", request: { params: brandParams }, responses: { 200: { ...jsonContent(Brand, "The brand"), headers: ETagHeader } }, errors: [404] });

const updateBrandRoute = storeRoute({
  operationId: "updateBrand",
  method: "patch",
  path: "/v1/brands/{id}",
  tags,
  summary: "Change a brand",
  description: "Name, realizer URL and the default `verify_email` of new discounts.",
  ifMatch: true,
  request: { params: brandParams, ...jsonRequest(UpdateBrandBody) },
  responses: { 200: { ...jsonContent(Brand, "The brand"), headers: ETagHeader } },
  errors: [404],
});

const deleteBrandRoute = storeRoute({
  operationId: "deleteBrand",
  method: "delete",
  path: "/v1/brands/{id}",
  tags,
  summary: "Delete a brand",
  description: "Its discounts, fans and coupons answer 404 from then on; coupons still pending fail at their next attempt.",
  request: { params: brandParams },
  responses: { 204: { description: "Deleted" } },
  errors: [404],
});

const rotateBrandRoute = storeRoute({
  operationId: "rotateBrandSecret",
  method: "post",
  path: "/v1/brands/{id}/rotate-secret",
  tags,
  summary: "Rotate the realization signing secret",
  description: "For 24 hours realizations carry signatures with both the new and the previous secret.",
  secret: true,
  request: { params: brandParams },
  responses: { 200: jsonContent(BrandWithSecret, "The brand and its new secret") },
  errors: [404, 409],
});

const createDiscountRoute = storeRoute({
  operationId: "createBrandDiscount",
  method: "post",
  path: "/v1/brands/{id}/discounts",
  tags,
  summary: "Create a discount (a coupon campaign)",
  description:
    "What each code is worth (`percent` 1-100, `fixed_cart` minor units of `currency`, `free_shipping`), uses per code, the window (`expires_at` exclusive and in the future), and either one `fixed_code` for every fan or unique codes of `code_length` symbols of `code_alphabet` with enough entropy for `max_fans`. Invalid input is 400 and stores nothing.",
  request: { params: brandParams, ...jsonRequest(CreateDiscountBody) },
  responses: { 201: { ...jsonContent(Discount, "The discount"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
  errors: [404],
});

const listDiscountsRoute = storeRoute({
  operationId: "listBrandDiscounts",
  method: "get",
  path: "/v1/brands/{id}/discounts",
  tags,
  summary: "List a brand's discounts",
  description: "Newest first.",
  request: { params: brandParams, query: PageQuerySchema },
  responses: { 200: jsonContent(DiscountPage, "A page of discounts") },
  errors: [404],
});

const getDiscountRoute = storeRoute({
  operationId: "getBrandDiscount",
  method: "get",
  path: "/v1/brands/{id}/discounts/{discount_id}",
  tags,
  summary: "Retrieve a discount",
  description: "With `fan_count` and its `status` now.",
  request: { params: discountParams },
  responses: { 200: { ...jsonContent(Discount, "The discount"), headers: ETagHeader } },
  errors: [404],
});

const updateDiscountRoute = storeRoute({
  operationId: "updateBrandDiscount",
  method: "patch",
  path: "/v1/brands/{id}/discounts/{discount_id}",
  tags,
  summary: "Change a discount",
  description: "Name, description, window, `verify_email` and `active`. What a code is worth and how codes are made are fixed once created (400 for those fields).",
  ifMatch: true,
  request: { params: discountParams, ...jsonRequest(UpdateDiscountBody) },
  responses: { 200: { ...jsonContent(Discount, "The discount"), headers: ETagHeader } },
  errors: [404],
});

const deleteDiscountRoute = storeRoute({
  operationId: "deleteBrandDiscount",
  method: "delete",
  path: "/v1/brands/{id}/discounts/{discount_id}",
  tags,
  summary: "Delete a discount",
  description: "No more registrations; codes already issued keep being realized.",
  request: { params: discountParams },
  responses: { 204: { description: "Deleted" } },
  errors: [404],
});

export const brandsRouter = createRouter<AppEnv>()
  .openapi(createBrandRoute, async (c) => {
    const { row, secret } = await createBrand(c.var.db, c.env, c.var.principal.storeId, c.req.valid("json"));
    return c.json({ ...presentBrand(row), secret }, 201, { ETag: etag(row.version), Location: `/v1/brands/${row.id}` });
  })
  .openapi(listBrandsRoute, async (c) => c.json(await listBrands(c.var.db, c.env, c.var.principal.storeId, c.req.valid("query")), 200))
  .openapi(getBrandRoute, async (c) => {
    const row = await getBrand(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json(presentBrand(row), 200, { ETag: etag(row.version) });
  })
  .openapi(updateBrandRoute, async (c) => {
    const row = await updateBrand(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, c.var.expectedVersion, c.req.valid("json"));
    return c.json(presentBrand(row), 200, { ETag: etag(row.version) });
  })
  .openapi(deleteBrandRoute, async (c) => {
    await deleteBrand(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(rotateBrandRoute, async (c) => {
    const { row, secret } = await rotateBrandSecret(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id);
    return c.json({ ...presentBrand(row), secret }, 200);
  })
  .openapi(createDiscountRoute, async (c) => {
    const brandId = c.req.valid("param").id;
    const row = await createDiscount(c.var.db, c.var.principal.storeId, brandId, c.req.valid("json"));
    return c.json(presentDiscount(row), 201, { ETag: etag(row.version), Location: `/v1/brands/${brandId}/discounts/${row.id}` });
  })
  .openapi(listDiscountsRoute, async (c) => c.json(await listDiscounts(c.var.db, c.env, c.var.principal.storeId, c.req.valid("param").id, c.req.valid("query")), 200))
  .openapi(getDiscountRoute, async (c) => {
    const { id, discount_id } = c.req.valid("param");
    const row = await getDiscount(c.var.db, c.var.principal.storeId, id, discount_id);
    return c.json(presentDiscount(row), 200, { ETag: etag(row.version) });
  })
  .openapi(updateDiscountRoute, async (c) => {
    const { id, discount_id } = c.req.valid("param");
    const row = await updateDiscount(c.var.db, c.var.principal.storeId, id, discount_id, c.var.expectedVersion, c.req.valid("json"));
    return c.json(presentDiscount(row), 200, { ETag: etag(row.version) });
  })
  .openapi(deleteDiscountRoute, async (c) => {
    const { id, discount_id } = c.req.valid("param");
    await deleteDiscount(c.var.db, c.var.principal.storeId, id, discount_id);
    return c.body(null, 204);
  });
