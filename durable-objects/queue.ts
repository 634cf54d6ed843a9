import { TimeoutError } from "./errors.js";
import type { Frame } from "./message.js";
import { weightOf } from "./message.js";

/** How long `receive*()` may wait, and what may cancel it. */
export interface ReceiveOptions {
  /** Milliseconds to wait before rejecting with a `TimeoutError`; the message that comes later is kept. */
  timeout?: number;
  /** Aborting rejects the pending receive with `signal.reason`; the message that comes later is kept. */
  signal?: AbortSignal;
}

/** Turns a frame into what a receive returns, or throws to reject that receive. */
export type Convert<T> = (frame: Frame) => T;

/** A receive waiting for a frame. */
interface Pending {
  deliver(frame: Frame): void;
  fail(error: unknown): void;
}

/** A class rather than closures: one small object per receive, on the hot path. */
class Waiter<T> implements Pending {
  constructor(
    readonly convert: Convert<T>,
    readonly resolve: (value: T) => void,
    readonly fail: (error: unknown) => void,
  ) {}

  deliver(frame: Frame): void {
    let value: T;
    try {
      value = this.convert(frame);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.resolve(value);
  }
}

/**
 * The inbound frames of one connection, waiting for the handler's `receive*()`.
 *
 * Bounded in frames and in weight (bytes, or characters for text): `push` refuses past either. Ends with an error (the disconnect) that every receive gets
 * once the frames before it are taken. `untaken()` lets the runtime event that delivered a frame stay
 * open until the handler has it, which keeps the room object from hibernating with frames in memory.
 * A receive converts its frame as it takes it, so each receive costs one promise.
 */
export class FrameQueue {
  readonly #maxFrames: number;
  readonly #maxWeight: number;
  #weight = 0;
  readonly #frames: (Frame | undefined)[] = [];
  #head = 0;
  readonly #waiters: Pending[] = [];
  #end: Error | null = null;
  #endSeen = false;
  #allTaken: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(maxFrames: number, maxWeight = Number.POSITIVE_INFINITY) {
    this.#maxFrames = maxFrames;
    this.#maxWeight = maxWeight;
  }

  get size(): number {
    return this.#frames.length - this.#head;
  }

  /** Hands the frame to a waiting receive or buffers it. False when the buffer is full. */
  push(frame: Frame): boolean {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.deliver(frame);
      return true;
    }
    const weight = weightOf(frame);
    if (this.size >= this.#maxFrames || this.#weight + weight > this.#maxWeight) return false;
    this.#frames.push(frame);
    this.#weight += weight;
    return true;
  }

  /** Settles once nothing pushed so far (frames or the end) is waiting to be taken; undefined if nothing is. */
  untaken(): Promise<void> | undefined {
    if (!this.#hasUntaken()) return undefined;
    if (this.#allTaken === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#allTaken = { promise, resolve };
    }
    return this.#allTaken.promise;
  }

  take<T>(convert: Convert<T>, options?: ReceiveOptions): Promise<T> {
    if (this.size > 0) {
      try {
        return Promise.resolve(convert(this.#shift()));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#end !== null) {
      this.#endSeen = true;
      this.#settleIfAllTaken();
      return Promise.reject(this.#end);
    }
    if (options === undefined || (options.timeout === undefined && options.signal === undefined)) {
      return new Promise<T>((resolve, reject) => this.#waiters.push(new Waiter(convert, resolve, reject)));
    }
    return this.#takeWithin(convert, options);
  }

  /**
   * No more frames will come; receives get `error` after the buffered frames, or at once with `discard`.
   * Idempotent: the first end wins.
   */
  end(error: Error, discard: boolean): void {
    if (this.#end !== null) return;
    this.#end = error;
    if (discard) this.#dropFrames();
    if (this.size === 0 && this.#waiters.length > 0) {
      this.#endSeen = true;
      for (const pending of this.#waiters.splice(0)) pending.fail(error);
    }
    this.#settleIfAllTaken();
  }

  /** The handler is gone: nothing will be taken any more. `reason` is made only if the queue had not ended. */
  abandon(reason: () => Error): void {
    if (this.#end === null) this.end(reason(), true);
    this.#dropFrames();
    this.#endSeen = true;
    this.#settleIfAllTaken();
  }

  #hasUntaken(): boolean {
    return this.size > 0 || (this.#end !== null && !this.#endSeen);
  }

  #shift(): Frame {
    const frame = this.#frames[this.#head] as Frame;
    this.#frames[this.#head] = undefined;
    this.#head += 1;
    this.#weight -= weightOf(frame);
    if (this.#head === this.#frames.length) this.#dropFrames();
    this.#settleIfAllTaken();
    return frame;
  }

  #dropFrames(): void {
    this.#frames.length = 0;
    this.#head = 0;
    this.#weight = 0;
  }

  #settleIfAllTaken(): void {
    if (this.#allTaken !== null && !this.#hasUntaken()) {
      this.#allTaken.resolve();
      this.#allTaken = null;
    }
  }

  #takeWithin<T>(convert: Convert<T>, { timeout, signal }: ReceiveOptions): Promise<T> {
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0 && Number.isFinite(timeout))) {
      return Promise.reject(new RangeError(`timeout must be a finite number of milliseconds >= 0, got ${String(timeout)}`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const giveUp = (error: unknown): void => {
        const index = this.#waiters.indexOf(pending);
        if (index !== -1) this.#waiters.splice(index, 1);
        cleanup();
        reject(error);
      };
      const onAbort = (): void => giveUp(signal?.reason);
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const pending = new Waiter<T>(
        convert,
        (value) => {
          cleanup();
          resolve(value);
        },
        (error) => {
          cleanup();
          reject(error);
        },
      );
      if (timeout !== undefined) timer = setTimeout(() => giveUp(new TimeoutError(`No message within ${timeout} ms`)), timeout);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(pending);
    });
  }
}
