/**
 * Human-facing codes (gift cards, generated coupon codes): uppercase letters and digits without the
 * look-alikes 0/O, 1/I/L, so a code read aloud or typed from paper is not mistaken. 31 symbols give
 * about 4.95 bits per character.
 */
export const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** `length` symbols of `alphabet` from the platform CSPRNG, by rejection sampling (no modulo bias). */
export function randomCode(length: number, alphabet: string = CODE_ALPHABET): string {
  if (alphabet.length < 2 || alphabet.length > 256) throw new RangeError("alphabet size must be 2..256");
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Groups a code in fours for display: `ABCD-EFGH-JKMN-PQRS`. */
export function groupCode(code: string): string {
  return code.match(/.{1,4}/g)?.join("-") ?? code;
}

/** What a person typed, as stored and compared: spaces and dashes dropped, uppercase (NFKC first). */
export function normalizeCode(input: string): string {
  return input.normalize("NFKC").replace(/[\s-]+/g, "").toUpperCase();
}
