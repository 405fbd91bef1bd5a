import { orderFigures } from "./customers.order-figures";
import type { AppEnv } from "../../context";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { etag } from "../../shared/versioning";
import { once } from "../idempotency";
import { storeRoute } from "../stores";
import {
  Count,
  CreateCustomerBody,
  Customer,
  CustomerFilterQuery,
  CustomerListQuery,
  CustomerPage,
  CustomerSnapshot,
  UpdateCustomerBody,
} from "./customers.schemas";
import {
  countCustomers,
  createCustomer,
  deleteCustomer,
  getCustomer,
  getCustomerSnapshot,
  listCustomers,
  presentCustomer,
  updateCustomer,
} from "./customers.service";

const tags = ["Customers"];
const ETagHeader = { ETag: RESPONSE_HEADERS.etag };

const createCustomerRoute = storeRoute({
  operationId: "createCustomer",
  method: "post",
  path: "/v1/customers",
  tags,
  summary: "Create a customer",
  description:
    "The email becomes the primary email (unique per store: 409 `duplicate`). The password, if any, is stored as a PBKDF2-SHA256 hash. The first address is primary unless another says `is_primary`.",
  idempotency: "optional",
  request: jsonRequest(CreateCustomerBody),
  responses: { 201: { ...jsonContent(Customer, "The new customer"), headers: { ...ETagHeader, Location: RESPONSE_HEADERS.location } } },
  errors: [409, 422],
});

const listCustomersRoute = storeRoute({
  operationId: "listCustomers",
  method: "get",
  path: "/v1/customers",
  tags,
  summary: "List customers",
  description: "Newest first (`created_at`, then `id`). Time ranges include `*_after` and exclude `*_before`.",
  request: { query: CustomerListQuery },
  responses: { 200: jsonContent(CustomerPage, "A page of customers") },
});

const countCustomersRoute = storeRoute({
  operationId: "countCustomers",
  method: "get",
  path: "/v1/customers/count",
  tags,
  summary: "Count customers",
  description: "Takes the same filters as the list.",
  request: { query: CustomerFilterQuery },
  responses: { 200: jsonContent(Count, "How many live customers match") },
});

const getCustomerRoute = storeRoute({
  operationId: "getCustomer",
  method: "get",
  path: "/v1/customers/{id}",
  tags,
  summary: "Retrieve a customer",
  description: "With addresses and order figures; `ETag` carries its version for `If-Match`.",
  request: { params: idParam("cus") },
  responses: { 200: { ...jsonContent(Customer, "The customer"), headers: ETagHeader } },
  errors: [404],
});

const updateCustomerRoute = storeRoute({
  operationId: "updateCustomer",
  method: "patch",
  path: "/v1/customers/{id}",
  tags,
  summary: "Update a customer",
  description: "Emails and addresses have their own endpoints. Changing or removing the password signs out every session.",
  ifMatch: true,
  request: { params: idParam("cus"), ...jsonRequest(UpdateCustomerBody) },
  responses: { 200: { ...jsonContent(Customer, "The updated customer"), headers: ETagHeader } },
  errors: [404],
});

const deleteCustomerRoute = storeRoute({
  operationId: "deleteCustomer",
  method: "delete",
  path: "/v1/customers/{id}",
  tags,
  summary: "Delete a customer",
  description: "Soft delete: the customer, its emails and addresses disappear from reads, its emails become free and its sessions end.",
  request: { params: idParam("cus") },
  responses: { 204: { description: "Deleted" } },
  errors: [404],
});

const snapshotRoute = storeRoute({
  operationId: "getCustomerSnapshot",
  method: "get",
  path: "/v1/customers/{id}/snapshot",
  tags,
  summary: "Retrieve a customer with everything attached",
  description: "The customer with every email, address and recent order figures in one read.",
  request: { params: idParam("cus") },
  responses: { 200: jsonContent(CustomerSnapshot, "The extended customer") },
  errors: [404],
});

export const customersRouter = createRouter<AppEnv>()
  .openapi(createCustomerRoute, async (c) => {
    const { store } = c.var.principal;
    const body = c.req.valid("json");
    return once(c, { storeId: store.id }, () => createCustomer(c.var.db, store.id, store.currency, body), ({ customer, addresses }) =>
      c.json(presentCustomer(customer, addresses), 201, { ETag: etag(customer.version), Location: `/v1/customers/${customer.id}` }),
    );
  })
  .openapi(listCustomersRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    return c.json(await listCustomers(c.var.db, storeId, c.req.valid("query"), c.env, orderFigures(c.env, storeId)), 200);
  })
  .openapi(countCustomersRoute, async (c) => {
    return c.json({ count: await countCustomers(c.var.db, c.var.principal.storeId, c.req.valid("query")) }, 200);
  })
  .openapi(getCustomerRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const { id } = c.req.valid("param");
    const [{ customer, addresses }, figures] = await Promise.all([getCustomer(c.var.db, storeId, id), orderFigures(c.env, storeId)([id], 0)]);
    return c.json(presentCustomer(customer, addresses, figures[id]), 200, { ETag: etag(customer.version) });
  })
  .openapi(updateCustomerRoute, async (c) => {
    const expected = c.var.expectedVersion;
    const storeId = c.var.principal.storeId;
    const { id } = c.req.valid("param");
    const [{ customer, addresses }, figures] = await Promise.all([
      updateCustomer(c.var.db, storeId, id, c.req.valid("json"), expected),
      orderFigures(c.env, storeId)([id], 0),
    ]);
    return c.json(presentCustomer(customer, addresses, figures[id]), 200, { ETag: etag(customer.version) });
  })
  .openapi(deleteCustomerRoute, async (c) => {
    await deleteCustomer(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(snapshotRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    return c.json(await getCustomerSnapshot(c.var.db, storeId, c.req.valid("param").id, orderFigures(c.env, storeId)), 200);
  });
