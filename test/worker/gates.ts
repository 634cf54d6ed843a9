/**
 * Points where a handler waits until the test lets it go on, instead of sleeping a fixed time and
 * hoping the test did its part meanwhile (a loaded machine makes any fixed time too short). The
 * tests run in the same isolate as the Worker and its room objects, so this set is shared between
 * them. The handler polls from its own room object's timers: a promise resolved from the test's
 * request would have to cross request contexts.
 */
const opened = new Set<string>();

/** Resolves once the test has opened the gate `key` (at once if it has). */
export async function gate(key: string): Promise<void> {
  while (!opened.has(key)) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Lets every handler waiting at `key`, and every one that comes to it later, go on. */
export function openGate(key: string): void {
  opened.add(key);
}
