import type { AppEnv } from "../../context";
import { createRouter } from "../../shared/openapi";
import { inventoryRouter } from "./products.inventory.routes";
import { productsRouter as coreRouter } from "./products.routes";
import { productTagsRouter } from "./products.tags.routes";

/** Every /v1/products route; the static paths (count, search, bulk) are registered before /{id}. */
export const productsRouter = createRouter<AppEnv>().route("/", coreRouter).route("/", inventoryRouter).route("/", productTagsRouter);

export { changeInventory, type InventoryChangeInput } from "./products.inventory";
export { getProductsByIds, presentProduct, type ProductView } from "./products.service";
export { getProductPrices, type ProductPrice } from "./products.prices";
export { Product } from "./products.schemas";
