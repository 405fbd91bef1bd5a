import { ApiError, type FieldError, formatPath } from "./errors";

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Parses a request body: deeper than MAX_JSON_DEPTH is 400 `validation_failed` (checked by a linear
 * scan before parsing, so no step recurses over client-controlled depth), invalid JSON is 400
 * `malformed_json`, and any string or key holding a lone UTF-16 surrogate (`"\ud800"`, which no
 * UTF-8 store can keep) is 400 `validation_failed` naming the field.
 */
export function parseJsonBody(text: string): unknown {
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw new ApiError("validation_failed", `The body is nested deeper than ${MAX_JSON_DEPTH} levels`, {
      errors: [{ path: "(root)", message: `Nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError("malformed_json");
  }
  const errors = loneSurrogates(value);
  if (errors.length > 0) {
    throw new ApiError("validation_failed", "Strings must be valid Unicode (no lone surrogates)", { errors });
  }
  return value;
}

/** The deepest bracket nesting of a JSON text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** Field errors for every string or key with a lone surrogate (iterative: no recursion). */
function loneSurrogates(root: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const message = "Contains a lone surrogate (not valid Unicode)";
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: root, path: [] }];
  while (stack.length > 0 && errors.length < 20) {
    const { value, path } = stack.pop()!;
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) errors.push({ path: formatPath(path) || "(root)", message });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        if (worthVisiting(value[i])) stack.push({ value: value[i], path: [...path, i] });
      }
    } else if (value !== null && typeof value === "object") {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (LONE_SURROGATE.test(key)) errors.push({ path: formatPath([...path, key]), message: `Key: ${message}` });
        if (worthVisiting(child)) stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return errors;
}

function worthVisiting(value: unknown): boolean {
  return typeof value === "string" || (value !== null && typeof value === "object");
}
