export { TEST_CARDS, type TestCardToken, cardDisplay, isTestCardToken } from "./payments.cards";
export { type ChargeOutcome, type PaymentProvider, PaymentProviderError, type RefundOutcome, testCardProvider } from "./payments.provider";
export { paymentsRouter } from "./payments.routes";
export { currentPaymentWebhookSecret } from "./payments.webhooks";
