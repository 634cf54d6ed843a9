// The tests drive the Worker with the package's own testing entry point, as a user's tests would.
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
