import type { ConnectionRecord } from "./record.js";

/**
 * What a room object says about its connections. Failures and closes the library makes (a limit,
 * a route gone) are always logged; the ordinary lifecycle (connect, resume, close) only when verbose.
 */
export class RoomLog {
  readonly #room: string;
  readonly #verbose: boolean;

  /** `room` is how the object is named in the log: `"lobby" of /chat/:room`. */
  constructor(room: string, verbose: boolean) {
    this.#room = room;
    this.#verbose = verbose;
  }

  connected(record: ConnectionRecord): void {
    if (this.#verbose) console.log(`${this.#prefix(record)} connected`);
  }

  resumed(record: ConnectionRecord): void {
    if (this.#verbose) console.log(`${this.#prefix(record)} resumed after hibernation`);
  }

  clientClosed(record: ConnectionRecord, code: number, reason: string): void {
    if (this.#verbose) console.log(`${this.#prefix(record)} closed by the client: ${code}${reason ? ` ${JSON.stringify(reason)}` : ""}`);
  }

  handlerEnded(record: ConnectionRecord): void {
    if (this.#verbose) console.log(`${this.#prefix(record)} handler ended`);
  }

  handlerFailed(record: ConnectionRecord, error: unknown): void {
    console.error(`${this.#prefix(record)} handler failed; closing with 1011:`, error);
  }

  /** A problem of the room object itself (a shard it cannot reach), always shown. */
  warn(message: string): void {
    console.warn(`[hypern] room ${this.#room}: ${message}`);
  }

  closedByLibrary(record: ConnectionRecord, code: number, why: string): void {
    console.warn(`${this.#prefix(record)} ${why}; closing with ${code}`);
  }

  #prefix(record: ConnectionRecord): string {
    return `[hypern] room ${this.#room}, connection ${record.id} (${record.route}):`;
  }
}
