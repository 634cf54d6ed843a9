import { describe, expect, it } from "vitest";
import { DEFAULT_BACKOFF, reconnectDelay } from "../../src/client/backoff.js";

describe("the session client's reconnect delay", () => {
  it("doubles with each attempt, between half and all of its ceiling", () => {
    expect([1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, DEFAULT_BACKOFF, () => 1))).toEqual([
      500, 1000, 2000, 4000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, DEFAULT_BACKOFF, () => 0))).toEqual([
      250, 500, 1000, 2000,
    ]);
    expect(reconnectDelay(1, { firstMs: 100, longestMs: 1_000 }, () => 1)).toBe(100);
  });

  it("stops growing at the longest delay", () => {
    expect(reconnectDelay(7, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.longestMs);
    expect(reconnectDelay(1000, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.longestMs);
    expect(reconnectDelay(1000, DEFAULT_BACKOFF, () => 0)).toBe(DEFAULT_BACKOFF.longestMs / 2);
  });

  it("spreads the clients of one room over the window (jitter)", () => {
    const delays = new Set(Array.from({ length: 20 }, () => reconnectDelay(3)));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(1000);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(2000);
  });
});
