import type { Ended } from "./frame-queue.js";
import { ENDED } from "./frame-queue.js";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * Yields what `next` resolves with until it resolves ENDED (the connection is closed): the loop over it simply ends
 * then. Any error (a wrong frame type, bad JSON, a timeout) ends it by throwing, as a receive would. An iterator of
 * its own rather than an async generator, which would cost several more promises per message.
 */
export class UntilEnded<T> implements AsyncIterableIterator<T> {
  readonly #next: () => Promise<T | Ended>;
  #finished = false;

  constructor(next: () => Promise<T | Ended>) {
    this.#next = next;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#finished) return Promise.resolve(DONE);
    return this.#next().then(
      (value) => (value === ENDED ? this.#finish() : { value, done: false }),
      (error: unknown) => {
        this.#finish();
        throw error;
      },
    );
  }

  /** The loop stopped early (`break`, `return`, a throw in its body): later calls are done. */
  return(): Promise<IteratorResult<T, undefined>> {
    return Promise.resolve(this.#finish());
  }

  #finish(): IteratorReturnResult<undefined> {
    this.#finished = true;
    return DONE;
  }
}
