/**
 * The counting key of a client address: IPv6 addresses count per /64 (one subscriber usually holds a
 * whole /64), anything else as sent. Requests without an address share one key.
 */
export function clientKey(address: string | undefined): string {
  const raw = (address ?? "").trim().toLowerCase().slice(0, 64);
  if (!raw.includes(":")) return raw || "unknown";
  const [head = "", tail] = raw.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
