import type { Ended } from "./frame-queue.js";
import { ENDED } from "./frame-queue.js";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * Yields what `next` resolves with until it resolves ENDED (the connection is closed): the loop over it simply ends
 * then. Any error (a wrong frame type, bad JSON, a timeout) ends it by throwing, as a receive would. An iterator of
 * its own rather than an async generator, which would cost several more promises per message; like a generator's,
 * calls made before the last one settled wait their turn, and once it has ended no call takes a message.
 */
export class UntilEnded<T> implements AsyncIterableIterator<T> {
  readonly #next: () => Promise<T | Ended>;
  #finished = false;
  /** Calls whose result has not settled yet, and the newest of them. */
  #pending = 0;
  #last: Promise<IteratorResult<T>> = Promise.resolve(DONE);

  constructor(next: () => Promise<T | Ended>) {
    this.#next = next;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const first = this.#pending === 0;
    this.#pending += 1;
    return (this.#last = first
      ? this.#take()
      : this.#last.then(
          () => this.#take(),
          () => this.#take(),
        ));
  }

  /** The loop stopped early (`break`, `return`, a throw in its body): later calls take nothing. */
  return(value?: unknown): Promise<IteratorResult<T>> {
    this.#finished = true;
    return Promise.resolve({ value, done: true });
  }

  #take(): Promise<IteratorResult<T>> {
    if (this.#finished) {
      this.#pending -= 1;
      return Promise.resolve(DONE);
    }
    return this.#next().then(
      (value) => {
        this.#pending -= 1;
        if (value !== ENDED) return { value, done: false };
        this.#finished = true;
        return DONE;
      },
      (error: unknown) => {
        this.#pending -= 1;
        this.#finished = true;
        throw error;
      },
    );
  }
}
