/**
 * A token bucket: `burst` tokens at once, refilled continuously at `perSecond`. A take may cost
 * several tokens (bytes, for a byte budget). Each take refills by the time since the last one, so
 * time spent full is never credited twice.
 */
export class TokenBucket {
  readonly #perMillisecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(perSecond: number, burst: number, now: () => number = Date.now) {
    this.#perMillisecond = perSecond / 1000;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes `cost` tokens; false (and nothing taken) when there are not enough. */
  take(cost = 1): boolean {
    const now = this.#now();
    if (this.#tokens < this.#burst)
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMillisecond);
    this.#last = now;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}
