export { storesRouter } from "./stores.routes";
export { requireOperator, requireStore } from "./stores.auth";
export { getStore, purgeExpiredAccessTokens, storeIsLive, type Principal } from "./stores.service";
export type { StoreRow } from "./stores.tables";
export { Store } from "./stores.schemas";
