import type { Payload } from "../shared/session-protocol.js";

/** A message sent and not yet acknowledged. */
interface PendingMessage {
  readonly id: string;
  readonly frame: string;
}

/**
 * What a session client sent and the server has not acknowledged yet, in order: sent again after a resume, and given
 * up when the session is lost.
 */
export class Unacknowledged {
  readonly #messages = new Map<string, PendingMessage>();
  readonly #idPrefix = Math.random().toString(36).slice(2, 10);
  #nextId = 0;

  get size(): number {
    return this.#messages.size;
  }

  /** Gives a message its id and its frame, kept until the server acknowledges it. */
  add(payload: Payload): PendingMessage {
    const id = `${this.#idPrefix}-${++this.#nextId}`;
    const pending = { id, frame: JSON.stringify({ t: "m", id, ...payload }) };
    this.#messages.set(id, pending);
    return pending;
  }

  /** The server acknowledged a message; false if it was not waiting for that. */
  acknowledged(id: string): boolean {
    return this.#messages.delete(id);
  }

  /** The frames to send again, in order. */
  *frames(): Generator<string> {
    for (const { frame } of this.#messages.values()) yield frame;
  }

  /** The session is gone: what it had not acknowledged may or may not have been processed. Returns their ids. */
  giveUp(): string[] {
    const ids = [...this.#messages.keys()];
    this.#messages.clear();
    return ids;
  }
}
