export { creditsRouter } from "./credits.routes";
export { CreditBalance } from "./credits.schemas";
export { creditBalances, issueCredit, liveCustomerGuard, requireLiveCustomer } from "./credits.service";
export { type CreditDraw, MAX_CREDITS_PER_DRAW, planCreditDraw, planCreditReversal } from "./credits.redeem";
export { expireCredits } from "./credits.jobs";
