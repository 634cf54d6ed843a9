import type { LogPosition } from "../src/shared/session-protocol.js";
import type { OutgoingFrame } from "./message.js";

interface HeldFrame {
  readonly position: LogPosition | null;
  readonly frame: OutgoingFrame;
}

/**
 * In a sharded room a connection's history is read from the room's sequencer, over RPC, while the
 * shard goes on applying the room's stream. The live broadcasts of that room to that connection are
 * held back meanwhile and follow the history once it is sent, but for those the history already
 * holds: the connection sees the room's log in order, each entry once.
 */
export class HistoryHolds {
  readonly #held = new Map<WebSocket, Map<string, HeldFrame[]>>();

  /** Holds back a room's broadcasts to a socket; false if they are held already (another read in flight). */
  start(socket: WebSocket, room: string): boolean {
    let rooms = this.#held.get(socket);
    if (rooms === undefined) this.#held.set(socket, (rooms = new Map()));
    if (rooms.has(room)) return false;
    rooms.set(room, []);
    return true;
  }

  /** Keeps a broadcast for later if the socket's broadcasts of the room are held back; false if not (send it now). */
  hold(socket: WebSocket, room: string, position: LogPosition | null, frame: OutgoingFrame): boolean {
    if (this.#held.size === 0) return false;
    const held = this.#held.get(socket)?.get(room);
    if (held === undefined) return false;
    held.push({ position, frame });
    return true;
  }

  /** Stops holding back; returns the broadcasts held that come after the history sent (which ended at `last`). */
  release(socket: WebSocket, room: string, last: LogPosition | null): OutgoingFrame[] {
    const rooms = this.#held.get(socket);
    const held = rooms?.get(room) ?? [];
    rooms?.delete(room);
    if (rooms?.size === 0) this.#held.delete(socket);
    return held
      .filter(({ position }) => last === null || position === null || position.epoch !== last.epoch || position.offset > last.offset)
      .map(({ frame }) => frame);
  }
}
