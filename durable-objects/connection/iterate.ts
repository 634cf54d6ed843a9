import { WebSocketDisconnect } from "./errors.js";

/**
 * Yields what `next` resolves with until the connection is closed: the loop over it simply ends then.
 * Any other error (a wrong frame type, bad JSON, a timeout) ends it by throwing, as a receive would.
 */
export async function* untilDisconnect<T>(next: () => Promise<T>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    let value: T;
    try {
      value = await next();
    } catch (error) {
      if (error instanceof WebSocketDisconnect) return;
      throw error;
    }
    yield value;
  }
}
