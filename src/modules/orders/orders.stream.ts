import type { Bindings } from "../../context";
import type { OrderStream } from "./orders.object";

/** The store's order stream object. The one place that knows objects are named by store id. */
export function orderStream(env: Pick<Bindings, "ORDER_STREAM">, storeId: string): DurableObjectStub<OrderStream> {
  return env.ORDER_STREAM.get(env.ORDER_STREAM.idFromName(storeId));
}
