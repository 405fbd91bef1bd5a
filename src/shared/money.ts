import { z } from "@hono/zod-openapi";

/**
 * ISO 4217 currencies we accept and their minor-unit exponent. Amounts are always integers in
 * minor units; the exponent only matters for display and for converting major-unit input.
 */
export const CURRENCY_EXPONENTS: Record<string, number> = {
  AED: 2, AUD: 2, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2, DKK: 2, EUR: 2, GBP: 2, HKD: 2,
  HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JPY: 0, KRW: 0, KWD: 3, MXN: 2, MYR: 2, NOK: 2, NZD: 2,
  PHP: 2, PLN: 2, RON: 2, SAR: 2, SEK: 2, SGD: 2, THB: 2, TRY: 2, TWD: 2, USD: 2, VND: 0, ZAR: 2,
};

export const CurrencySchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine((value) => value in CURRENCY_EXPONENTS, { message: "Unsupported ISO 4217 currency code" })
  .openapi({ type: "string", example: "USD", description: "ISO 4217 currency code" });

/** Largest amount accepted anywhere: keeps every sum of a few thousand lines a safe integer. */
export const MAX_AMOUNT_CENTS = 1_000_000_000_00;

export const AmountCentsSchema = z
  .number()
  .int()
  .min(0)
  .max(MAX_AMOUNT_CENTS)
  .openapi({ example: 1999, description: "Amount in integer minor units (cents)" });

/** Thrown when money arithmetic would leave the safe-integer range. */
export class MoneyOverflowError extends Error {}

function checked(value: number): number {
  if (!Number.isSafeInteger(value)) throw new MoneyOverflowError("amount out of range");
  return value;
}

export function addCents(...amounts: number[]): number {
  return checked(amounts.reduce((sum, amount) => sum + checked(amount), 0));
}

export function multiplyCents(unitCents: number, quantity: number): number {
  return checked(checked(unitCents) * checked(quantity));
}

/** Percentage in basis points (1% = 100 bps) of an amount, rounded down to the minor unit. */
export function percentOfCents(amountCents: number, basisPoints: number): number {
  return checked(Math.floor((checked(amountCents) * checked(basisPoints)) / 10_000));
}

/** An amount in integer minor units with its currency: the one shape of money in the API. */
export const Money = z
  .object({ amount_cents: AmountCentsSchema, currency: CurrencySchema })
  .openapi("Money", { example: { amount_cents: 1999, currency: "USD" } });

export interface MoneyValue {
  amount_cents: number;
  currency: string;
}

/** Thrown when amounts of different currencies meet; the API answers 422. */
export class CurrencyMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`Expected ${expected}, got ${actual}`);
    this.name = "CurrencyMismatchError";
  }
}

/** Returns the one currency of all amounts, or throws `CurrencyMismatchError`. */
export function sameCurrency(...amounts: ReadonlyArray<Pick<MoneyValue, "currency">>): string {
  const first = amounts[0]?.currency;
  if (first === undefined) throw new RangeError("sameCurrency needs at least one amount");
  for (const amount of amounts) if (amount.currency !== first) throw new CurrencyMismatchError(first, amount.currency);
  return first;
}

/** Adds amounts of one currency (422 on a mismatch, overflow checked). */
export function addMoney(...amounts: MoneyValue[]): MoneyValue {
  return { amount_cents: addCents(...amounts.map((a) => a.amount_cents)), currency: sameCurrency(...amounts) };
}
