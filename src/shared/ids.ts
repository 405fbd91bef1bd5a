import { randomBase62 } from "./crypto";

/** Random, non-sequential id with a type prefix: `prod_` + 22 base62 chars (~131 bits). */
export function newId<P extends string>(prefix: P): `${P}_${string}` {
  return `${prefix}_${randomBase62(22)}`;
}

/** A secret with a prefix (`sk_`, `at_`, `whsec_`): 32 base62 chars (~190 bits). */
export function newSecret<P extends string>(prefix: P): `${P}_${string}` {
  return `${prefix}_${randomBase62(32)}`;
}
