import { TimeoutError } from "./errors.js";
import type { Frame } from "./frames.js";
import { weightOf } from "./frames.js";

/** How long `receive*()` may wait, and what may cancel it. */
export interface ReceiveOptions {
  /** Milliseconds to wait before rejecting with a `TimeoutError`; the message that comes later is kept. */
  timeout?: number;
  /** Aborting rejects the pending receive with `signal.reason`; the message that comes later is kept. */
  signal?: AbortSignal;
}

/** Turns a frame into what a receive returns, or throws to reject that receive. */
export type Convert<T> = (frame: Frame) => T;

/**
 * What `next()` resolves with once the queue has ended, where `take()` rejects with the disconnect: a loop over the
 * messages ends without an error made, thrown and caught for each connection.
 */
export const ENDED: unique symbol = Symbol("ended");
export type Ended = typeof ENDED;

/** A receive waiting for a frame. */
interface Pending {
  /** When a timed receive gives up (epoch milliseconds); undefined without a timeout. */
  readonly deadline?: number | undefined;
  /** It resolves with ENDED at the end (a `next()`), instead of rejecting with the disconnect. */
  readonly quiet: boolean;
  deliver(frame: Frame): void;
  fail(error: unknown): void;
  endQuietly(): void;
}

/** Called whenever the earliest deadline of the pending receives may have changed. */
export type DeadlineListener = (deadline: number | null) => void;

/** A class rather than closures: one small object per receive, on the hot path. */
class Waiter<T> implements Pending {
  constructor(
    readonly convert: Convert<T>,
    readonly resolve: (value: T) => void,
    readonly fail: (error: unknown) => void,
    readonly quiet: boolean,
  ) {}

  endQuietly(): void {
    // Only a `next()` is quiet, and its T includes Ended.
    (this.resolve as (value: Ended) => void)(ENDED);
  }

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
 * Bounded in frames and in weight (bytes, or characters for text): `push` refuses past either. Ends with an error (the
 * disconnect, made only when a receive gets it) that every receive gets once the frames before it are taken; `next()`
 * gets ENDED instead. `untaken()` lets the runtime event that
 * delivered a frame stay open until the handler has it, which keeps the room object from hibernating with frames in
 * memory. A receive converts its frame as it takes it, so each receive costs one promise.
 *
 * A timed receive sets no timer (a pending timer would keep the room object awake): it has a
 * deadline, which the connection keeps with its record and the room object's alarm watches; `expire()`
 * gives up the receives whose deadline has come, and `timeoutDue()` hands the next receive its
 * TimeoutError when the object slept through the deadline.
 */
export class FrameQueue {
  readonly #maxFrames: number;
  readonly #maxWeight: number;
  #weight = 0;
  readonly #frames: (Frame | undefined)[] = [];
  /**
   * Called as each frame is taken, for frames pushed with one (a session records what it processed); parallel to
   * #frames.
   */
  readonly #onTaken: ((() => void) | undefined)[] = [];
  #head = 0;
  readonly #waiters: Pending[] = [];
  /** Makes the error the receives end with; the error itself is made once, when the first needs it. */
  #end: (() => Error) | null = null;
  #endError: Error | null = null;
  #endSeen = false;
  #allTaken: { promise: Promise<void>; resolve: () => void } | null = null;
  /** A deadline passed while nobody was waiting (the object slept through it): the next receive gives up. */
  #timeoutDue: TimeoutError | null = null;
  readonly #onDeadline: DeadlineListener | undefined;

  constructor(maxFrames: number, maxWeight = Number.POSITIVE_INFINITY, onDeadline?: DeadlineListener) {
    this.#maxFrames = maxFrames;
    this.#maxWeight = maxWeight;
    this.#onDeadline = onDeadline;
  }

  get size(): number {
    return this.#frames.length - this.#head;
  }

  /**
   * Hands the frame to a waiting receive or buffers it; `onTaken` runs when a receive takes it. False
   * when the buffer is full.
   */
  push(frame: Frame, onTaken?: () => void): boolean {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      onTaken?.();
      waiter.deliver(frame);
      if (waiter.deadline !== undefined) this.#deadlineChanged();
      return true;
    }
    const weight = weightOf(frame);
    if (this.size >= this.#maxFrames || this.#weight + weight > this.#maxWeight) return false;
    if (onTaken !== undefined) this.#onTaken[this.#frames.length] = onTaken;
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

  /** The next frame, converted; rejects with the disconnect once the queue has ended. */
  take<T>(convert: Convert<T>, options?: ReceiveOptions): Promise<T> {
    return this.#take(convert, options, false) as Promise<T>;
  }

  /** The next frame, converted, or ENDED once the queue has ended. */
  next<T>(convert: Convert<T>, options?: ReceiveOptions): Promise<T | Ended> {
    return this.#take(convert, options, true);
  }

  #take<T>(convert: Convert<T>, options: ReceiveOptions | undefined, quiet: boolean): Promise<T | Ended> {
    if (this.#timeoutDue !== null) {
      const timedOut = this.#timeoutDue;
      this.#timeoutDue = null;
      return Promise.reject(timedOut);
    }
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
      return quiet ? Promise.resolve(ENDED) : Promise.reject(this.#endErrorMade());
    }
    if (options === undefined || (options.timeout === undefined && options.signal === undefined)) {
      return new Promise<T | Ended>((resolve, reject) =>
        this.#waiters.push(new Waiter(convert, resolve, reject, quiet)),
      );
    }
    return this.#takeWithin(convert, options, quiet);
  }

  /**
   * No more frames will come; receives get the error `error()` makes after the buffered frames, or at once with
   * `discard`. Idempotent: the first end wins.
   */
  end(error: () => Error, discard: boolean): void {
    if (this.#end !== null) return;
    this.#end = error;
    if (discard) this.#dropFrames();
    if (this.size === 0 && this.#waiters.length > 0) {
      this.#endSeen = true;
      for (const pending of this.#waiters.splice(0)) {
        if (pending.quiet) pending.endQuietly();
        else pending.fail(this.#endErrorMade());
      }
      this.#deadlineChanged();
    }
    this.#settleIfAllTaken();
  }

  /** The earliest deadline of the pending receives, or null when none is timed. */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const { deadline } of this.#waiters)
      if (deadline !== undefined && (next === null || deadline < next)) next = deadline;
    return next;
  }

  /** Gives up the pending receives whose deadline is `now` or earlier, with a TimeoutError each. */
  expire(now: number): void {
    const due = this.#waiters.filter(({ deadline }) => deadline !== undefined && deadline <= now);
    if (due.length === 0) return;
    for (const waiter of due) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.fail(new TimeoutError(`No message within ${(waiter as TimedWaiter<unknown>).timeout} ms`));
    }
    this.#deadlineChanged();
  }

  /** A deadline passed while the object slept: the next receive gets its TimeoutError before anything else. */
  timeoutDue(deadline: number, now: number): void {
    this.#timeoutDue = new TimeoutError(
      `No message before the receive's deadline (${now - deadline} ms ago, while the room object slept)`,
    );
  }

  /** The handler is gone: nothing will be taken any more. `reason` is made only if the queue had not ended. */
  abandon(reason: () => Error): void {
    if (this.#end === null) this.end(reason, true);
    this.#dropFrames();
    this.#endSeen = true;
    this.#settleIfAllTaken();
  }

  #endErrorMade(): Error {
    return (this.#endError ??= (this.#end as () => Error)());
  }

  #hasUntaken(): boolean {
    return this.size > 0 || (this.#end !== null && !this.#endSeen);
  }

  #shift(): Frame {
    const frame = this.#frames[this.#head] as Frame;
    this.#frames[this.#head] = undefined;
    const onTaken = this.#onTaken[this.#head];
    if (onTaken !== undefined) {
      this.#onTaken[this.#head] = undefined;
      onTaken();
    }
    this.#head += 1;
    this.#weight -= weightOf(frame);
    if (this.#head === this.#frames.length) this.#dropFrames();
    this.#settleIfAllTaken();
    return frame;
  }

  #dropFrames(): void {
    this.#frames.length = 0;
    this.#onTaken.length = 0;
    this.#head = 0;
    this.#weight = 0;
  }

  #settleIfAllTaken(): void {
    if (this.#allTaken !== null && !this.#hasUntaken()) {
      this.#allTaken.resolve();
      this.#allTaken = null;
    }
  }

  #takeWithin<T>(convert: Convert<T>, { timeout, signal }: ReceiveOptions, quiet: boolean): Promise<T | Ended> {
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0 && Number.isFinite(timeout))) {
      return Promise.reject(
        new RangeError(`timeout must be a finite number of milliseconds >= 0, got ${String(timeout)}`),
      );
    }
    if (signal?.aborted) return Promise.reject(fromSignal(signal.reason));
    const deadline = timeout === undefined ? undefined : Date.now() + timeout;
    return new Promise<T | Ended>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(pending);
        if (index === -1) return;
        this.#waiters.splice(index, 1);
        if (deadline !== undefined) this.#deadlineChanged();
        reject(fromSignal(signal?.reason));
      };
      const pending = new TimedWaiter<T | Ended>(
        convert,
        (value) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
        deadline,
        timeout,
        quiet,
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(pending);
      if (deadline !== undefined) this.#deadlineChanged();
    });
  }

  #deadlineChanged(): void {
    this.#onDeadline?.(this.nextDeadline());
  }
}

class TimedWaiter<T> extends Waiter<T> {
  constructor(
    convert: Convert<T>,
    resolve: (value: T) => void,
    fail: (error: unknown) => void,
    readonly deadline: number | undefined,
    readonly timeout: number | undefined,
    quiet: boolean,
  ) {
    super(convert, resolve, fail, quiet);
  }
}

/**
 * One TimeoutError for both ways of timing out: `AbortSignal.timeout()` rejects with a DOMException named
 * TimeoutError.
 */
function fromSignal(reason: unknown): unknown {
  if (reason instanceof TimeoutError || typeof reason !== "object" || reason === null) return reason;
  const { name, message } = reason as { name?: unknown; message?: unknown };
  return name === "TimeoutError"
    ? new TimeoutError(typeof message === "string" ? message : "The receive timed out", { cause: reason })
    : reason;
}
