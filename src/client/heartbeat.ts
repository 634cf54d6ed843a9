/**
 * A connection's heartbeat, on a route that has one (the welcome says how often): a ping every
 * interval, which the server's runtime answers without waking the room. A ping still unanswered when
 * the next is due, or when a check asked for (the tab became visible again, the network came back)
 * has waited its time, means the connection is dead though no close came: `dead` is called, once.
 */
export class Heartbeat {
  readonly #ping: () => void;
  readonly #dead: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #check: ReturnType<typeof setTimeout> | undefined;
  #waiting = false;
  #over = false;

  constructor(ping: () => void, dead: () => void) {
    this.#ping = ping;
    this.#dead = dead;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      if (this.#waiting) this.#die();
      else this.#send();
    }, intervalMs);
  }

  /** The answer came. */
  answered(): void {
    this.#waiting = false;
    if (this.#check !== undefined) clearTimeout(this.#check);
    this.#check = undefined;
  }

  /** Pings now; no answer within `withinMs` means the connection is dead. */
  checkNow(withinMs: number): void {
    if (this.#over || this.#check !== undefined) return;
    this.#send();
    this.#check = setTimeout(() => {
      this.#check = undefined;
      if (this.#waiting) this.#die();
    }, withinMs);
  }

  stop(): void {
    this.#over = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#check !== undefined) clearTimeout(this.#check);
  }

  #send(): void {
    this.#waiting = true;
    try {
      this.#ping();
    } catch {
      // A socket that cannot send is dead: the next beat says so.
    }
  }

  #die(): void {
    if (this.#over) return;
    this.stop();
    this.#dead();
  }
}
