/** Current time as an RFC 3339 UTC string with millisecond precision (sorts lexicographically). */
export function nowIso(now: number = Date.now()): string {
  return new Date(now).toISOString();
}

export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}
