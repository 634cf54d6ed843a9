import type { LogPosition, ResumeRequest, ServerFrame } from "../shared/session-protocol.js";

/**
 * What a session client has received: the last direct message, and its place in each room's history.
 * It says what to present when resuming, what to acknowledge, and which frames it has seen already
 * (a replay may repeat what arrived just before a drop).
 */
export class Received {
  #seq = 0;
  readonly #rooms = new Map<string, LogPosition>();

  /**
   * "new" for a frame that counts as received, "seen" for one seen already, "gap" for a direct message
   * past the next one expected: the session's direct messages are numbered one by one, so one is
   * missing, and acknowledging past it would lose it (the client resumes instead, to have it replayed).
   */
  accept(frame: ServerFrame): "new" | "seen" | "gap" {
    if (frame.t === "m") {
      if (frame.s <= this.#seq) return "seen";
      if (frame.s > this.#seq + 1) return "gap";
      this.#seq = frame.s;
      return "new";
    }
    if (frame.t === "b") {
      const known = this.#rooms.get(frame.r);
      if (known !== undefined && known.epoch === frame.e && frame.o <= known.offset) return "seen";
      this.#rooms.set(frame.r, { epoch: frame.e, offset: frame.o });
      return "new";
    }
    return frame.t === "u" ? "new" : "seen";
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

  /**
   * The acknowledgement frame's fields: the last direct message, the offset reached in each room and its history's
   * epoch.
   */
  acknowledgement(): { s: number; r: Record<string, number>; e: Record<string, string> } {
    const rooms = [...this.#rooms];
    return {
      s: this.#seq,
      r: Object.fromEntries(rooms.map(([room, { offset }]) => [room, offset])),
      e: Object.fromEntries(rooms.map(([room, { epoch }]) => [room, epoch])),
    };
  }
}
