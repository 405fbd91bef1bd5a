import type { Bindings } from "../../context";
import type { OrderStream } from "./orders.object";
import type { CustomerOrderSummary } from "./orders.service";

/** The store's order stream object. The one place that knows objects are named by store id. */
export function orderStream(env: Pick<Bindings, "ORDER_STREAM">, storeId: string): DurableObjectStub<OrderStream> {
  return env.ORDER_STREAM.get(env.ORDER_STREAM.idFromName(storeId));
}

/** Order figures for up to 100 of a store's customers in one call (see `customerSummaries`). */
export async function customerOrderSummaries(
  env: Pick<Bindings, "ORDER_STREAM">,
  storeId: string,
  customerIds: string[],
  recentLimit = 0,
): Promise<Record<string, CustomerOrderSummary>> {
  if (customerIds.length === 0) return {};
  return (await orderStream(env, storeId).customerSummaries(customerIds, recentLimit)) as Record<string, CustomerOrderSummary>;
}
