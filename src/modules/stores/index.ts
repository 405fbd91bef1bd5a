export { storesRouter } from "./stores.routes";
export { storeCredentialsRouter } from "./stores.credentials.routes";
export { operatorRoute, requireOperator, requireStore, storeRoute, type StoreContext, type StoreEnv } from "./stores.auth";
export { type Principal } from "./stores.cache";
export { authenticate, purgeExpiredAccessTokens, storeIsLive, storeRequiresEmailConfirmation } from "./stores.service";
export { Store } from "./stores.schemas";
