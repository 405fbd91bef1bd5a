import { describe, expect, it } from "vitest";
import { randomBase62 } from "../../src/shared/crypto";

describe("randomBase62", () => {
  it("gives the asked length from the base62 alphabet, never repeats, and uses every symbol about equally (across pool refills)", () => {
    const ids = Array.from({ length: 5000 }, () => randomBase62(24));
    expect(ids.every((id) => /^[0-9A-Za-z]{24}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // 120,000 symbols (about 30 refills of the 4 KiB pool): each of the 62 expected 1,935 times.
    const counts = new Map<string, number>();
    for (const id of ids) for (const ch of id) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (ids.length * 24) / 62;
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 61 degrees of freedom: p < 1e-6 above about 130.
    expect(chiSquare).toBeLessThan(130);
  });
});
