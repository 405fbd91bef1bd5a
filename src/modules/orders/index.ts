export { ordersRouter } from "./orders.routes";
export { OrderStream } from "./orders.object";
export type {
  CommandResult,
  CustomerOrderSummary,
  CreateOrderCommand,
  IdempotencyClaim,
  RefusedCreateCommand,
  TransitionOrderCommand,
  UpdateOrderCommand,
} from "./orders.service";
export { customerOrderSummaries, orderStream } from "./orders.stream";
export { orderEventsConsumer, orderEventRecord } from "./orders.consumer";
export { Order, OrderEvent, OrderEventType, OrderStatus } from "./orders.schemas";
export { TRANSITIONS, type OrderAction } from "./orders.service";
export { expireOldDrafts } from "./orders.jobs";
export type { CheckoutOrderCommand } from "./orders.checkout";
