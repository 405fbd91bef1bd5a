import { percentOfCents } from "../../shared/money";

/** A coupon's rule: exactly one of the two is set. */
export interface DiscountRule {
  percentOff: number | null;
  amountOffCents: number | null;
}

/**
 * The discount a rule gives on `subtotalCents`, written once for every caller:
 * - percent: `floor(subtotal × percent / 100)`, rounded down to the minor unit (10% of 999 is 99);
 * - amount off: `min(subtotal, amount)` (50 off 1000 leaves 950; 2000 off 1000 leaves 0).
 * The result is never negative and never more than the subtotal.
 */
export function discountCents(rule: DiscountRule, subtotalCents: number): number {
  if (!Number.isSafeInteger(subtotalCents) || subtotalCents < 0) throw new RangeError("subtotal must be a non-negative integer");
  if (rule.percentOff !== null) return Math.min(subtotalCents, percentOfCents(subtotalCents, rule.percentOff * 100));
  if (rule.amountOffCents !== null) return Math.min(subtotalCents, rule.amountOffCents);
  return 0;
}

/** What remains to pay after a discount: never below 0. */
export function afterDiscount(subtotalCents: number, discount: number): number {
  return Math.max(0, subtotalCents - discount);
}
