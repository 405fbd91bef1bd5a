import type { AppEnv } from "../../context";
import { createRouter } from "../../shared/openapi";
import { cartItemsRouter } from "./carts.items.routes";
import { cartsRouter as coreRouter } from "./carts.routes";

/** Every /v1/carts route. */
export const cartsRouter = createRouter<AppEnv>().route("/", coreRouter).route("/", cartItemsRouter);

export { CartObject, cartObject } from "./carts.object";
export { cartTotals, taxCents } from "./carts.state";
export { reconcileCartIndex } from "./carts.jobs";
export { cartRoute, type CartEnv } from "./carts.auth";
export { cartAccess, productSnapshots, storeCartSettings, type CartCaller } from "./carts.service";
export { refreshed } from "./carts.commands";
export { incompleteReasons, type CartState, type IncompleteReason } from "./carts.state";
export type { BeginOutcome, CheckoutAnswer, CheckoutBill, CheckoutCharge, CheckoutRecord } from "./carts.checkout";
