// The tests drive the Worker with the package's own testing entry point, as a user's tests would.
import type { CloseInfo } from "../../src/client/index.js";
import type { TestSocket, WaitOptions } from "../../src/testing/index.js";
export { TestSocket, connect, deploy, hibernate, runAlarm, sessionClient, upgrade } from "../../src/testing/index.js";

/** Waits until `check` holds, polling; for effects that land after an event (a report, a close). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * A session client's `retry` option that keeps the client away after a drop until the test lets it
 * come back (`release()`), instead of a long backoff the test hopes is long enough: what it must miss
 * happens first, however slow the machine. `hold()` keeps it away after its next drops too. Closes
 * that say retrying cannot help still end the client.
 */
export function heldReturn(): { retry: (close: CloseInfo) => Promise<boolean>; release: () => void; hold: () => void } {
  let released = true;
  let open: () => void = () => undefined;
  let opened = Promise.resolve();
  const hold = (): void => {
    if (!released) return; // held already: the clients waiting now wait on
    released = false;
    opened = new Promise<void>((resolve) => (open = resolve));
  };
  hold();
  return {
    retry: async (close) => {
      if (close.final) return false;
      await opened;
      return true;
    },
    release: () => {
      released = true;
      open();
    },
    hold,
  };
}

/** The messages `socket` receives, parsed as JSON, up to and including the first that `last` accepts. */
export async function receiveJsonUntil<T>(
  socket: TestSocket,
  last: (message: T) => boolean,
  options?: WaitOptions,
): Promise<T[]> {
  const messages: T[] = [];
  for (;;) {
    const message = await socket.receiveJson<T>(options);
    messages.push(message);
    if (last(message)) return messages;
  }
}
