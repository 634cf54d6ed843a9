import { onTestFinished, vi } from "vitest";

/**
 * For a test that makes the library log a failure on purpose (a handler that throws): takes what the
 * room object writes with `console[method]` during the test out of the run's output and keeps it,
 * one line per call, for the test to check. Anything logged outside such a test still shows.
 */
export function captureLogs(method: "error" | "warn"): string[] {
  const lines: string[] = [];
  const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  onTestFinished(() => spy.mockRestore());
  return lines;
}

/** A logged line with its connection id replaced, to compare with an expected line. */
export function withoutId(line: string): string {
  return line.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, "ID");
}
