/**
 * Samples a resident-memory reading every `intervalMs` until stopped; `stop()` takes one last
 * reading and returns the highest seen.
 */
export function watchPeak(read: () => number, intervalMs = 25): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, intervalMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}
