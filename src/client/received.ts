import type { LogPosition, ResumeRequest, ServerFrame } from "../shared/session-protocol.js";

/**
 * What a session client has received: the last direct message, and its place in each room's log.
 * It says what to present when resuming, what to acknowledge, and which frames it has seen already
 * (a replay may repeat what arrived just before a drop).
 */
export class Received {
  #seq = 0;
  readonly #rooms = new Map<string, LogPosition>();

  /** Whether the frame is new (and so counts as received), false for one seen already. */
  accept(frame: ServerFrame): boolean {
    if (frame.t === "m") {
      if (frame.s <= this.#seq) return false;
      this.#seq = frame.s;
      return true;
    }
    if (frame.t === "b") {
      const known = this.#rooms.get(frame.r);
      if (known !== undefined && known.epoch === frame.e && frame.o <= known.offset) return false;
      this.#rooms.set(frame.r, { epoch: frame.e, offset: frame.o });
      return true;
    }
    return frame.t === "u";
  }

  /** A room's log was started anew, or the client joined it: from here on. */
  resetRoom(room: string, position: LogPosition): void {
    this.#rooms.set(room, position);
  }

  /** A new session: nothing received in it yet. */
  reset(): void {
    this.#seq = 0;
    this.#rooms.clear();
  }

  resumeRequest(session: string): ResumeRequest {
    return { session, seq: this.#seq, rooms: Object.fromEntries(this.#rooms) };
  }

  /** The acknowledgement frame's fields: the last direct message, the offset reached in each room. */
  acknowledgement(): { s: number; r: Record<string, number> } {
    return { s: this.#seq, r: Object.fromEntries([...this.#rooms].map(([room, { offset }]) => [room, offset])) };
  }
}
