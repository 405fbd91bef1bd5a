import type { Bindings } from "../../context";
import { customerOrderSummaries } from "../orders";
import type { OrderFigures } from "./customers.service";

/** Binds the orders module's per-customer figures (read from the store's order stream) to a store. */
export function orderFigures(env: Pick<Bindings, "ORDER_STREAM">, storeId: string): OrderFigures {
  return (ids, recentLimit) => customerOrderSummaries(env, storeId, ids, recentLimit);
}
