export { couponsRouter } from "./coupons.routes";
export { type DiscountRule, afterDiscount, discountCents } from "./coupons.discount";
export { type CouponRedemptionPlan, type CouponUse, planCouponRedemption, planCouponReversal, validateCoupon } from "./coupons.redeem";
export { couponState, findCouponByCode, notApplicable } from "./coupons.service";
export { expireCoupons } from "./coupons.jobs";
