import type { Ended } from "./frame-queue.js";
import { ENDED } from "./frame-queue.js";

/**
 * Yields what `next` resolves with until it resolves ENDED (the connection is closed): the loop over it simply ends
 * then. Any error (a wrong frame type, bad JSON, a timeout) ends it by throwing, as a receive would.
 */
export async function* untilEnded<T>(next: () => Promise<T | Ended>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    const value = await next();
    if (value === ENDED) return;
    yield value;
  }
}
