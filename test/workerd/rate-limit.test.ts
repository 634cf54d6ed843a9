import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../durable-objects/connection/token-bucket.js";

describe("TokenBucket", () => {
  it("allows a burst, then the rate, and refills over time up to the burst", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10 per second
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // long idle: refills to the burst, not beyond
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it("sustains exactly its rate", () => {
    let now = 0;
    const bucket = new TokenBucket(50, 1, () => now);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      now = ms;
      if (bucket.take()) allowed += 1;
    }
    expect(allowed).toBeGreaterThanOrEqual(500);
    expect(allowed).toBeLessThanOrEqual(501);
  });

  it("never credits the time it sat full: after any idle time, at most one burst", () => {
    let now = 0;
    const bucket = new TokenBucket(20, 20, () => now);
    const burst = (): number => {
      let passed = 0;
      while (bucket.take()) passed += 1;
      return passed;
    };
    now += 2_000; // full all along
    expect(burst()).toBe(20);
    now += 500; // half refilled
    expect(burst()).toBe(10);
    expect(bucket.take()).toBe(false); // still dry
    now += 60_000;
    bucket.take(); // one message, then a long idle while nearly full
    now += 60_000;
    expect(burst()).toBe(20);
  });

  it("takes weighted costs: a byte budget refuses what does not fit and keeps it", () => {
    let now = 0;
    const bytes = new TokenBucket(1_000, 4_000, () => now);
    expect(bytes.take(3_000)).toBe(true);
    expect(bytes.take(2_000)).toBe(false);
    expect(bytes.take(1_000)).toBe(true);
    now += 1_500;
    expect(bytes.take(1_600)).toBe(false);
    expect(bytes.take(1_500)).toBe(true);
  });
});
