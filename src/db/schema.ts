export * from "../modules/stores/stores.tables";
export * from "../modules/idempotency/idempotency.tables";
export * from "../modules/products/products.tables";
export * from "../modules/customers/customers.tables";
export * from "../modules/events/events.tables";
export * from "../modules/analytics/analytics.tables";
