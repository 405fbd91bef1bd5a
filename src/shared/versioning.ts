import { ApiError } from "./errors";

/** Parses `If-Match: "<version>"` (quotes optional, weak prefix tolerated); missing is 428. */
export function parseIfMatch(header: string | undefined): number {
  if (header === undefined || header.trim() === "") throw new ApiError("precondition_required");
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header.trim());
  if (!match) throw new ApiError("invalid_if_match", 'If-Match must be a version ETag such as "3"');
  return Number(match[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}

export function staleVersion(currentVersion: number): ApiError {
  return new ApiError("stale_version", `The resource is at version ${currentVersion}`, {
    extra: { current_version: currentVersion },
    headers: { ETag: etag(currentVersion) },
  });
}
