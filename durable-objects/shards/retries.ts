import { doublingDelay } from "../../src/shared/doubling.js";

const ATTEMPTS = 6;
const FIRST_RETRY_MS = 100;

/**
 * Calls another object of the room until it answers, with doubling delays between attempts. What is
 * called must be safe to repeat (an answer can be lost after the call took effect).
 */
export async function withRetries<T>(
  what: string,
  call: () => T | Promise<T>,
  warn: (message: string) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= ATTEMPTS) {
        warn(`the room's sequencer could not be reached for a ${what} after ${attempt} attempts: ${message}`);
        throw new Error(`The room's sequencer could not be reached: ${message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, doublingDelay(attempt, FIRST_RETRY_MS)));
    }
  }
}
