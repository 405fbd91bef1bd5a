import type { AppEnv } from "../../context";
import { createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { once } from "../idempotency";
import { storeRoute } from "../stores";
import { addAddress, addedAddress, deleteAddress, listAddresses, makePrimaryAddress } from "./customers.addresses";
import { Address, AddressInput, AddressList } from "./customers.schemas";
import { presentAddress } from "./customers.service";

const tags = ["Customer addresses"];
const AddressParams = idParam("cus").extend(idParam("addr", "address_id").shape);

const addAddressRoute = storeRoute({
  operationId: "addCustomerAddress",
  method: "post",
  path: "/v1/customers/{id}/addresses",
  tags,
  summary: "Add an address",
  description: "At most 20 per customer (409 beyond). `is_primary: true` moves the primary flag here atomically.",
  idempotency: "optional",
  request: { params: idParam("cus"), ...jsonRequest(AddressInput) },
  responses: { 201: jsonContent(Address, "The new address") },
  errors: [404, 409, 422],
});

const listAddressesRoute = storeRoute({
  operationId: "listCustomerAddresses",
  method: "get",
  path: "/v1/customers/{id}/addresses",
  tags,
  summary: "List addresses",
  description: "Every live address of the customer (at most 20), primary first.",
  request: { params: idParam("cus") },
  responses: { 200: jsonContent(AddressList, "Every live address, primary first") },
  errors: [404],
});

const deleteAddressRoute = storeRoute({
  operationId: "deleteCustomerAddress",
  method: "delete",
  path: "/v1/customers/{id}/addresses/{address_id}",
  tags,
  summary: "Delete an address",
  description: "Deleting the primary address leaves the customer without one.",
  request: { params: AddressParams },
  responses: { 204: { description: "Deleted" } },
  errors: [404],
});

const makePrimaryRoute = storeRoute({
  operationId: "makeCustomerAddressPrimary",
  method: "post",
  path: "/v1/customers/{id}/addresses/{address_id}/make-primary",
  tags,
  summary: "Make an address the primary one",
  description: "Atomic: afterwards exactly this address is primary, whatever runs concurrently.",
  request: { params: AddressParams },
  responses: { 200: jsonContent(Address, "The primary address") },
  errors: [404],
});

export const addressesRouter = createRouter<AppEnv>()
  .openapi(addAddressRoute, async (c) => {
    const storeId = c.var.principal.storeId;
    const customerId = c.req.valid("param").id;
    const body = c.req.valid("json");
    return once(c, { storeId }, () => addAddress(c.var.db, storeId, customerId, body), (_, snapshot: Record<string, unknown>) =>
      c.json(presentAddress(addedAddress(snapshot)), 201),
    );
  })
  .openapi(listAddressesRoute, async (c) => {
    const rows = await listAddresses(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json({ data: rows.map(presentAddress), next_cursor: null }, 200);
  })
  .openapi(deleteAddressRoute, async (c) => {
    const { id, address_id } = c.req.valid("param");
    await deleteAddress(c.var.db, c.var.principal.storeId, id, address_id);
    return c.body(null, 204);
  })
  .openapi(makePrimaryRoute, async (c) => {
    const { id, address_id } = c.req.valid("param");
    return c.json(presentAddress(await makePrimaryAddress(c.var.db, c.var.principal.storeId, id, address_id)), 200);
  });
