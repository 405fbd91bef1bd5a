export * from "../modules/stores/stores.tables";
export * from "../modules/idempotency/idempotency.tables";
export * from "../modules/orders/orders.tables";
