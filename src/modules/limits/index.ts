export { CODE_ATTEMPT_LIMIT, CODE_WINDOW_SECONDS, CodeLimiter } from "./limits.object";
export { codeCaller, takeCodeAttempt } from "./limits.service";
