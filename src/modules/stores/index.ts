export { storesRouter } from "./stores.routes";
export { storeCredentialsRouter } from "./stores.credentials.routes";
export { requireOperator, requireStore } from "./stores.auth";
export { purgeExpiredAccessTokens, storeIsLive, storeRequiresEmailConfirmation, type Principal } from "./stores.service";
export { Store } from "./stores.schemas";
