import type { AppEnv } from "../../context";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { PageQuerySchema } from "../../shared/pagination";
import { etag } from "../../shared/versioning";
import { once } from "../idempotency";
import { storeRoute } from "../stores";
import { type InventorySnapshot, changeInventory, inventoryOutcome, listInventoryLedger, presentLedgerEntry } from "./products.inventory";
import { InventoryBody, InventoryChange, InventoryLedgerPage } from "./products.schemas";
import { presentProduct } from "./products.service";

const tags = ["Inventory"];

const changeInventoryRoute = storeRoute({
  operationId: "changeInventory",
  method: "post",
  path: "/v1/products/{id}/inventory",
  tags,
  summary: "Adjust or set stock",
  description:
    "Exactly one of `adjust` (add or remove) or `set`. Atomic: concurrent changes never lose an update, and stock never goes below zero (409 `insufficient_inventory`, nothing changes). Each change writes a ledger entry.",
  idempotency: "optional",
  request: { params: idParam("prod"), ...jsonRequest(InventoryBody) },
  responses: {
    200: { ...jsonContent(InventoryChange, "The product after the change and its ledger entry"), headers: { ETag: RESPONSE_HEADERS.etag } },
  },
  errors: [404, 409, 422],
});

const ledgerRoute = storeRoute({
  operationId: "listInventoryLedger",
  method: "get",
  path: "/v1/products/{id}/inventory/ledger",
  tags,
  summary: "List a product's inventory ledger",
  description: "Newest first.",
  request: { params: idParam("prod"), query: PageQuerySchema },
  responses: { 200: jsonContent(InventoryLedgerPage, "A page of ledger entries") },
  errors: [404],
});

export const inventoryRouter = createRouter<AppEnv>()
  .openapi(changeInventoryRoute, async (c) => {
    const body = c.req.valid("json");
    const change = body.adjust !== undefined ? { adjust: body.adjust } : { set: body.set! };
    const storeId = c.var.principal.storeId;
    const productId = c.req.valid("param").id;
    return once(c, { storeId }, () => changeInventory(c.var.db, storeId, productId, change, body.reason ?? null), (_, snapshot: InventorySnapshot) => {
      const { product, entry } = inventoryOutcome(snapshot);
      return c.json({ product: presentProduct(product), ledger_entry: presentLedgerEntry(entry) }, 200, { ETag: etag(product.version) });
    });
  })
  .openapi(ledgerRoute, async (c) => {
    const page = await listInventoryLedger(
      c.var.db,
      c.var.principal.storeId,
      c.req.valid("param").id,
      c.req.valid("query"),
      c.env,
    );
    return c.json(page, 200);
  });
