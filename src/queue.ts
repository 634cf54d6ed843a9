import { TimeoutError } from "./errors.js";
import type { Frame } from "./message.js";

/** How long `receive*()` may wait, and what may cancel it. */
export interface ReceiveOptions {
  /** Milliseconds to wait before rejecting with a `TimeoutError`; the message that comes later is kept. */
  timeout?: number;
  /** Aborting rejects the pending receive with `signal.reason`; the message that comes later is kept. */
  signal?: AbortSignal;
}

interface Waiter {
  resolve(frame: Frame): void;
  reject(error: unknown): void;
}

/**
 * The inbound frames of one connection, waiting for the handler's `receive*()`.
 *
 * Bounded: `push` refuses past `capacity`. Ends with an error (the disconnect) that every receive gets
 * once the frames before it are taken. `untaken()` lets the runtime event that delivered a frame stay
 * open until the handler has it, which keeps the room object from hibernating with frames in memory.
 */
export class FrameQueue {
  readonly #capacity: number;
  readonly #frames: (Frame | undefined)[] = [];
  #head = 0;
  readonly #waiters: Waiter[] = [];
  #end: Error | null = null;
  #endSeen = false;
  #allTaken: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#frames.length - this.#head;
  }

  /** Hands the frame to a waiting receive or buffers it. False when the buffer is full. */
  push(frame: Frame): boolean {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(frame);
      return true;
    }
    if (this.size >= this.#capacity) return false;
    this.#frames.push(frame);
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

  take(options?: ReceiveOptions): Promise<Frame> {
    if (this.size > 0) return Promise.resolve(this.#shift());
    if (this.#end !== null) {
      this.#endSeen = true;
      this.#settleIfAllTaken();
      return Promise.reject(this.#end);
    }
    if (options === undefined || (options.timeout === undefined && options.signal === undefined)) {
      return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    }
    return this.#takeWithin(options);
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
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    }
    this.#settleIfAllTaken();
  }

  /** The handler is gone: nothing will be taken any more. */
  abandon(error: Error): void {
    this.end(error, true);
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
    if (this.#head === this.#frames.length) this.#dropFrames();
    this.#settleIfAllTaken();
    return frame;
  }

  #dropFrames(): void {
    this.#frames.length = 0;
    this.#head = 0;
  }

  #settleIfAllTaken(): void {
    if (this.#allTaken !== null && !this.#hasUntaken()) {
      this.#allTaken.resolve();
      this.#allTaken = null;
    }
  }

  #takeWithin({ timeout, signal }: ReceiveOptions): Promise<Frame> {
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0 && Number.isFinite(timeout))) {
      return Promise.reject(new RangeError(`timeout must be a finite number of milliseconds >= 0, got ${String(timeout)}`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Frame>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        this.#forget(waiter);
        cleanup();
        reject(signal?.reason);
      };
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        resolve: (frame) => {
          cleanup();
          resolve(frame);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          this.#forget(waiter);
          signal?.removeEventListener("abort", onAbort);
          reject(new TimeoutError(`No message within ${timeout} ms`));
        }, timeout);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #forget(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
  }
}
