/** The wait before attempt `attempt` (1, 2, 3, ...): `first`, doubling with each attempt, at most `longest`. */
export function doublingDelay(attempt: number, first: number, longest = Number.POSITIVE_INFINITY): number {
  return Math.min(longest, first * 2 ** (Math.max(1, attempt) - 1));
}
