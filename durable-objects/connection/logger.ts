import type { RecordView } from "./record.js";

/**
 * What a room object writes to the log about its connections and itself. Failures and closes the
 * library makes (a limit, a route gone) are always written; the ordinary lifecycle (connect, rerun,
 * close) only when verbose.
 */
export class Logger {
  readonly #object: string;
  readonly #verbose: boolean;

  /** `object` is how the room object is named in the log: `"lobby" of /chat/:room`. */
  constructor(object: string, verbose: boolean) {
    this.#object = object;
    this.#verbose = verbose;
  }

  connected(record: RecordView): void {
    if (this.#verbose) console.log(`${this.#prefix(record)} connected`);
  }

  rerun(record: RecordView): void {
    if (this.#verbose) console.log(`${this.#prefix(record)} handler rerun after hibernation`);
  }

  clientClosed(record: RecordView, code: number, reason: string): void {
    if (this.#verbose)
      console.log(`${this.#prefix(record)} closed by the client: ${code}${reason ? ` ${JSON.stringify(reason)}` : ""}`);
  }

  handlerEnded(record: RecordView): void {
    if (this.#verbose) console.log(`${this.#prefix(record)} handler ended`);
  }

  handlerFailed(record: RecordView, error: unknown): void {
    console.error(`${this.#prefix(record)} handler failed; closing with 1011:`, error);
  }

  /** A problem of the room object itself (a shard it cannot reach), always shown. */
  warn(message: string): void {
    console.warn(`[hypern] room object ${this.#object}: ${message}`);
  }

  closedByLibrary(record: RecordView, code: number, why: string): void {
    console.warn(`${this.#prefix(record)} ${why}; closing with ${code}`);
  }

  #prefix(record: RecordView): string {
    return `[hypern] room object ${this.#object}, connection ${record.id} (${record.route}):`;
  }
}
