import { describe, expect, it } from "vitest";
import { CurrencyMismatchError, Money, addMoney, sameCurrency } from "../../src/shared/money";

describe("Money", () => {
  it("parses minor units with an ISO 4217 currency and refuses floats", () => {
    expect(Money.parse({ amount_cents: 1999, currency: "usd" })).toEqual({ amount_cents: 1999, currency: "USD" });
    expect(Money.safeParse({ amount_cents: 19.99, currency: "USD" }).success).toBe(false);
    expect(Money.safeParse({ amount_cents: 1, currency: "XXX" }).success).toBe(false);
  });

  it("adds only amounts of the same currency", () => {
    expect(addMoney({ amount_cents: 100, currency: "EUR" }, { amount_cents: 250, currency: "EUR" })).toEqual({ amount_cents: 350, currency: "EUR" });
    expect(() => addMoney({ amount_cents: 100, currency: "EUR" }, { amount_cents: 1, currency: "USD" })).toThrow(CurrencyMismatchError);
    expect(sameCurrency({ currency: "JPY" })).toBe("JPY");
  });
});
