/**
 * A token bucket: `burst` messages at once, refilled at `perSecond`. The clock is read only when the
 * bucket runs dry (the refill it then adds covers all the time since the last read), so a connection
 * within its rate costs no clock read per message.
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

  /** Takes one token; false when there is none. */
  take(): boolean {
    if (this.#tokens < 1) {
      const now = this.#now();
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMillisecond);
      this.#last = now;
      if (this.#tokens < 1) return false;
    }
    this.#tokens -= 1;
    return true;
  }
}
