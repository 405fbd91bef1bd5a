export { storesRouter } from "./stores.routes";
export { requireOperator, requireStore } from "./stores.auth";
export { purgeExpiredAccessTokens, storeIsLive, storeRequiresEmailConfirmation, type Principal } from "./stores.service";
export { Store } from "./stores.schemas";
