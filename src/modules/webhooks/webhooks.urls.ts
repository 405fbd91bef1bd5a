/**
 * Where deliveries may go. https only in production; plain http and loopback only when the
 * environment says local (`ALLOW_LOOPBACK_WEBHOOKS=true`). Private, link-local, unique-local, CGNAT,
 * unspecified and metadata addresses are refused as IP literals and as well-known names. Workers
 * cannot resolve DNS before fetching, so a public name that resolves to a private address is not
 * caught here; Cloudflare's edge does not route Workers' subrequests to private networks.
 */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Not a URL";
  }
  if (url.username || url.password) return "Credentials in the URL are not allowed";
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host.endsWith(".localhost") || isLoopbackIp(host);
  if (loopback) return allowLoopback ? null : "Loopback addresses are refused";
  if (url.protocol !== "https:" && !(allowLoopback && url.protocol === "http:")) return "The URL must use https";
  if (host === "metadata.google.internal" || host.endsWith(".internal") || host.endsWith(".local")) return "Internal host names are refused";
  if (isPrivateIp(host)) return "Private, link-local and reserved addresses are refused";
  return null;
}

function ipv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function isLoopbackIp(host: string): boolean {
  const v4 = ipv4(host);
  if (v4) return v4[0] === 127;
  return host === "::1" || host === "0:0:0:0:0:0:0:1";
}

function isPrivateIp(host: string): boolean {
  const v4 = ipv4(host) ?? mappedV4(host);
  if (v4) {
    const [a, b] = v4 as [number, number];
    return a === 0 || a === 10 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
  }
  if (!host.includes(":")) return false;
  return host === "::" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith("ff");
}

function mappedV4(host: string): number[] | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (dotted) return ipv4(dotted[1]!);
  // URL() normalizes ::ffff:10.0.0.1 to ::ffff:a00:1.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!hex) return null;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255];
}
