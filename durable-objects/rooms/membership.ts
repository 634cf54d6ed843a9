import type { RecordView } from "../connection/record.js";
import { OPEN } from "../../src/shared/ready-state.js";

const NO_MEMBERS: ReadonlyMap<string, WebSocket> = new Map();

/**
 * Which connections are in which named room of one room object, dormant ones included. After a wake
 * it is rebuilt from the sockets' attachments, so it is exactly what the records say.
 */
export class Membership {
  readonly #rooms = new Map<string, Map<string, WebSocket>>();

  /** Adds a socket's rooms as its record says: none for a socket without one, or that the server is closing. */
  addRecord(socket: WebSocket, record: RecordView | null): void {
    if (record === null || record.closing) return;
    for (const room of record.rooms) this.add(room, record.id, socket);
  }

  add(room: string, id: string, socket: WebSocket): void {
    let members = this.#rooms.get(room);
    if (members === undefined) this.#rooms.set(room, (members = new Map()));
    members.set(id, socket);
  }

  /** Removes a member; with `socket`, only if that socket is still the member's (a resumed session has a newer one). */
  remove(room: string, id: string, socket?: WebSocket): void {
    const members = this.#rooms.get(room);
    if (members === undefined || (socket !== undefined && members.get(id) !== socket)) return;
    if (members.delete(id) && members.size === 0) this.#rooms.delete(room);
  }

  /** How many members the room has; one whose socket just died counts until its close event. */
  size(room: string): number {
    return this.#rooms.get(room)?.size ?? 0;
  }

  /** The members' sockets by id as they stand, dead ones included: for one pass that drops those it finds. */
  current(room: string): ReadonlyMap<string, WebSocket> {
    return this.#rooms.get(room) ?? NO_MEMBERS;
  }

  /** The live members' sockets by id, after dropping dead ones. */
  members(room: string): ReadonlyMap<string, WebSocket> {
    const members = this.#rooms.get(room);
    if (members === undefined) return NO_MEMBERS;
    for (const [id, socket] of members) {
      if (socket.readyState !== OPEN) this.remove(room, id);
    }
    return members;
  }
}
