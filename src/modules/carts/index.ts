import type { AppEnv } from "../../context";
import { createRouter } from "../../shared/openapi";
import { cartItemsRouter } from "./carts.items.routes";
import { cartsRouter as coreRouter } from "./carts.routes";

/** Every /v1/carts route. */
export const cartsRouter = createRouter<AppEnv>().route("/", coreRouter).route("/", cartItemsRouter);

export { CartObject, cartObject } from "./carts.object";
export { cartTotals, taxCents } from "./carts.state";
export { reconcileCartIndex } from "./carts.jobs";
