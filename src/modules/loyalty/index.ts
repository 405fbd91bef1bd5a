export { loyaltyRouter } from "./loyalty.routes";
export { earnStamps } from "./loyalty.handlers";
export { findVoucherById, findVoucherByCode, voucherRedemption, voucherRelease, voucherState } from "./loyalty.service";
