export { type OnceOptions, type Write, commit, once } from "./idempotency.once";
export { purgeExpiredIdempotencyKeys } from "./idempotency.service";
