import { doublingDelay } from "../shared/doubling.js";

/** How a session client waits between reconnect attempts. */
export interface Backoff {
  /** The first wait, in milliseconds. Default 500. */
  readonly firstMs: number;
  /** The longest wait, in milliseconds. Default 30,000. */
  readonly longestMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 500, longestMs: 30_000 };

/**
 * How long to wait before reconnect attempt `attempt` (1, 2, 3, ...): exponential backoff, doubling
 * from `firstMs` up to `longestMs`, of which a random half is dropped (jitter) so that the clients of a
 * restarted room do not all come back at the same instant.
 */
export function reconnectDelay(
  attempt: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = doublingDelay(attempt, backoff.firstMs, backoff.longestMs);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
