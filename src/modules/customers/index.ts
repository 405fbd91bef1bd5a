import type { AppEnv } from "../../context";
import { createRouter } from "../../shared/openapi";
import { addressesRouter } from "./customers.addresses.routes";
import { authRouter } from "./customers.auth.routes";
import { loginAdminRouter } from "./customers.auth.unlock.routes";
import { emailsRouter } from "./customers.emails.routes";
import { customersRouter as coreRouter } from "./customers.routes";

/** Every /v1/customers, /v1/email-deliveries, /v1/auth and /v1/confirm route. */
export const customersRouter = createRouter<AppEnv>()
  .route("/", coreRouter)
  .route("/", addressesRouter)
  .route("/", emailsRouter)
  .route("/", authRouter)
  .route("/", loginAdminRouter);

export { customerRoute, requireCustomer, type CustomerEnv } from "./customers.auth";
export { type CustomerPrincipal, authenticateSession, purgeExpiredCustomerTokens } from "./customers.auth.service";
export { EmailOutboxMessage, FanVerificationPayload, fanVerificationDelivery, resendStrandedDeliveries } from "./customers.confirmation";
export { consumeEmailOutbox, finishDeadEmails } from "./customers.consumer";
export { LoginLimiter, clientKey } from "./customers.object";
export { assertCustomerExists, assertCustomerMayOpenCart, getCustomer, normalizeEmail, presentCustomer, type CustomerView } from "./customers.service";
export { AddressInput, Customer, EmailSchema } from "./customers.schemas";
export { addAddress as addCustomerAddress } from "./customers.addresses";
