import { describe, expect, it } from "vitest";
import { FIRST_RETRY_MS, LONGEST_RETRY_MS, reconnectDelay } from "../../examples/page/reconnect-delay.js";

describe("reconnect delay", () => {
  it("doubles with each attempt, between half and all of its ceiling", () => {
    expect([1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect(reconnectDelay(1, () => 1)).toBe(FIRST_RETRY_MS);
  });

  it("stops growing at the longest delay", () => {
    expect(reconnectDelay(7, () => 1)).toBe(LONGEST_RETRY_MS);
    expect(reconnectDelay(1000, () => 1)).toBe(LONGEST_RETRY_MS);
    expect(reconnectDelay(1000, () => 0)).toBe(LONGEST_RETRY_MS / 2);
  });

  it("spreads the pages of one room over the window", () => {
    const delays = new Set(Array.from({ length: 20 }, () => reconnectDelay(3)));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(1000);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(2000);
  });
});
