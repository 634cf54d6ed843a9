export const FIRST_RETRY_MS = 500;
export const LONGEST_RETRY_MS = 30_000;

/**
 * How long to wait before reconnect attempt `attempt` (1, 2, 3, ...): exponential backoff, doubling
 * from FIRST_RETRY_MS up to LONGEST_RETRY_MS, of which a random half is dropped so that every page
 * of a restarted room does not come back at the same instant.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (Math.max(1, attempt) - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
