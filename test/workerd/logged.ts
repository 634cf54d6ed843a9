import { expect, onTestFinished, vi } from "vitest";

/**
 * For a test that makes the library log a failure on purpose (a handler that throws): takes what the
 * room object writes with `console[method]` during the test out of the run's output and keeps it,
 * one line per call, for the test to check. Anything logged outside such a test still shows.
 */
export function captureLogs(method: "error" | "warn"): string[] {
  const lines: string[] = [];
  const spy = vi
    .spyOn(console, method)
    .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  onTestFinished(() => spy.mockRestore());
  return lines;
}

/** Matches the line a handler's failure is logged with: its route, the 1011 and the error (as `String(error)`). */
export function failureLine(route: string, error: string): unknown {
  const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return expect.stringMatching(
    new RegExp(`^\\[hypern\\] .*${escaped(route)}(?![\\w-]).*handler failed; closing with 1011: ${escaped(error)}$`),
  );
}
