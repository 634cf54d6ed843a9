import type { LogPosition } from "../../src/shared/session-protocol.js";
import type { OutgoingFrame } from "../connection/frames.js";

/** A live broadcast held back, with its place in the room's history. */
export interface HeldFrame {
  readonly position: LogPosition | null;
  readonly frame: OutgoingFrame;
}

/** What becomes of a live broadcast to one member. */
export type Admission = "send" | "held" | "skip";

/**
 * A member's history can be read from elsewhere (a sharded room's sequencer, over RPC) while the room's
 * live broadcasts go on reaching this object. Meanwhile the live broadcasts of that room to that
 * member are held back; once the history is sent they follow it, and any broadcast the history held
 * already is skipped, whether it was held back or arrives later: the member sees the room's history
 * in order, each entry once.
 */
export class HistoryGate {
  readonly #held = new Map<WebSocket, Map<string, HeldFrame[]>>();
  /** Per member and room: the last entry its history read sent; live broadcasts up to it are skipped. */
  readonly #floors = new Map<WebSocket, Map<string, LogPosition>>();

  /** Holds back a room's broadcasts to a socket; false if they are held already (another read in flight). */
  start(socket: WebSocket, room: string): boolean {
    let rooms = this.#held.get(socket);
    if (rooms === undefined) this.#held.set(socket, (rooms = new Map()));
    if (rooms.has(room)) return false;
    rooms.set(room, []);
    return true;
  }

  /** Whether a live broadcast goes to the socket now, is held back, or was sent with its history already. */
  admit(socket: WebSocket, room: string, position: LogPosition | null, frame: OutgoingFrame): Admission {
    if (this.#held.size === 0 && this.#floors.size === 0) return "send";
    const held = this.#held.get(socket)?.get(room);
    if (held !== undefined) {
      held.push({ position, frame });
      return "held";
    }
    const floors = this.#floors.get(socket);
    const floor = floors?.get(room);
    if (floors === undefined || floor === undefined || position === null) return "send";
    if (position.epoch === floor.epoch && position.offset <= floor.offset) return "skip";
    // Past the floor (or the history started anew): nothing later can be a copy.
    floors.delete(room);
    if (floors.size === 0) this.#floors.delete(socket);
    return "send";
  }

  /** Stops holding back; returns the broadcasts held that come after the history sent, which ended at `last`. */
  release(socket: WebSocket, room: string, last: LogPosition | null): HeldFrame[] {
    const rooms = this.#held.get(socket);
    const held = rooms?.get(room) ?? [];
    rooms?.delete(room);
    if (rooms?.size === 0) this.#held.delete(socket);
    const after = held.filter(({ position }) => !covers(last, position));
    // Unless a later broadcast has arrived already (the stream is past the history read), those the
    // history held may still arrive: they must not be sent again when they do.
    if (last !== null && !after.some(({ position }) => position !== null)) this.#setFloor(socket, room, last);
    return after;
  }

  /** The socket is gone: forget it. */
  forget(socket: WebSocket): void {
    this.#held.delete(socket);
    this.#floors.delete(socket);
  }

  #setFloor(socket: WebSocket, room: string, last: LogPosition): void {
    let floors = this.#floors.get(socket);
    if (floors === undefined) this.#floors.set(socket, (floors = new Map()));
    floors.set(room, last);
  }
}

/**
 * Whether an entry at `position` is at or before `last` in the same history (so a history ending at `last` holds it).
 */
function covers(last: LogPosition | null, position: LogPosition | null): boolean {
  return last !== null && position !== null && position.epoch === last.epoch && position.offset <= last.offset;
}
