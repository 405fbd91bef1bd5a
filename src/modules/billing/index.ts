export { billingRouter } from "./billing.routes";
export { type CheckoutFaults, checkoutCart } from "./billing.checkout";
export { settleInvoicePayments } from "./billing.handlers";
export { resumeStalledCheckouts } from "./billing.jobs";
