/**
 * The built-in `test_card` provider's cards, addressed by token as a payment form would hand them
 * over (like Stripe's test tokens). Documented in README; every outcome checkout must handle is here.
 */
export const TEST_CARDS = {
  tok_visa: { brand: "visa", last4: "4242", outcome: "succeed" },
  tok_mastercard: { brand: "mastercard", last4: "4444", outcome: "succeed" },
  tok_amex: { brand: "amex", last4: "8431", outcome: "succeed" },
  tok_visa_debit: { brand: "visa", last4: "5556", outcome: "succeed" },
  tok_chargeDeclined: { brand: "visa", last4: "0002", outcome: "decline", message: "Your card was declined." },
  tok_insufficientFunds: { brand: "visa", last4: "9995", outcome: "decline", message: "Your card has insufficient funds." },
  tok_pending: { brand: "visa", last4: "3220", outcome: "pending" },
} as const satisfies Record<string, { brand: string; last4: string; outcome: "succeed" | "decline" | "pending"; message?: string }>;

export type TestCardToken = keyof typeof TEST_CARDS;

export function isTestCardToken(token: string): token is TestCardToken {
  return Object.hasOwn(TEST_CARDS, token);
}

/** What may be shown of a card: brand and last four, never the token. */
export function cardDisplay(token: TestCardToken): { brand: string; last4: string } {
  const { brand, last4 } = TEST_CARDS[token];
  return { brand, last4 };
}
