export { idempotent } from "./idempotency.middleware";
export { purgeExpiredIdempotencyKeys } from "./idempotency.service";
