/**
 * What the client takes as final, a close or a refusal that retrying cannot help: the server would
 * answer the same again. Everything else (a network failure, a restart, a limit, an error on the
 * server) is retried with backoff.
 */

/** Protocol error, unsupported data, invalid data, policy violation. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1003, 1007, 1008]);

/** 4xx statuses that mean "not now" rather than "not this": timeout, too early, too many. */
const TRY_AGAIN_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);

/**
 * How the Worker's 500s for a wiring mistake begin (src/wiring.ts): a missing binding, or a class
 * that is not the app's room object. Only a deploy fixes those, where any other 500 may pass.
 */
const WIRING_ERRORS = ["No Durable Object binding", "The Durable Object class bound"];

export function isFinalCloseCode(code: number): boolean {
  return FINAL_CLOSE_CODES.has(code);
}

/** For a refusal with this status and (text) body. */
export function isFinalRefusal(status: number, body: string): boolean {
  if (status >= 400 && status < 500) return !TRY_AGAIN_STATUSES.has(status);
  return status === 500 && WIRING_ERRORS.some((start) => body.startsWith(start));
}
