/**
 * drizzle's DrizzleQueryError puts every bound value into its message ("Failed query: <sql>\nparams: ...");
 * those values are customer data and secrets' hashes, so logs keep the statement and drop the rest.
 */
const PARAMS = /\nparams: [\s\S]*?(?=\n {4}at |$)/g;

function redact(text: string): string {
  return text.replace(PARAMS, "\nparams: [redacted]");
}

/** A loggable view of an error: name, message, stack and cause chain, with bound query values removed. */
export function redactError(err: Error): { error: string; message: string; stack: string | undefined; cause?: string } {
  const causes: string[] = [];
  let cause: unknown = err.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    causes.push(redact(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return {
    error: err.name,
    message: redact(err.message),
    stack: err.stack === undefined ? undefined : redact(err.stack),
    ...(causes.length > 0 ? { cause: causes.join(" <- ") } : {}),
  };
}
