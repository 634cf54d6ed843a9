import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../durable-objects/rate-limit.js";

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

  it("reads the clock only when it runs dry", () => {
    let reads = 0;
    const bucket = new TokenBucket(1, 100, () => (reads += 1, 0));
    for (let i = 0; i < 100; i++) bucket.take();
    expect(reads).toBe(1);
    bucket.take();
    expect(reads).toBe(2);
  });
});
