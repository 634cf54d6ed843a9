import type { ConnectionRecord } from "./record.js";
import { checkRoomNames, persistRecord, storableData } from "./record.js";

/**
 * Where a connection's record changes: in memory, then in its socket's attachment, so that the change survives
 * hibernation. A change the attachment cannot hold is undone before the error goes on. Only the record's connection
 * holds its keeper, and says when a change is stored: while it is open (its accept stores the record whole).
 */
export class RecordKeeper {
  readonly #record: ConnectionRecord;
  readonly #socket: WebSocket;
  readonly #maxDataBytes: number;

  constructor(record: ConnectionRecord, socket: WebSocket, maxDataBytes: number) {
    this.#record = record;
    this.#socket = socket;
    this.#maxDataBytes = maxDataBytes;
  }

  /** Keeps a JSON copy of `data`, stored if `store`; the old data stays if it cannot be stored. */
  setData(data: unknown, store: boolean): void {
    const stored = storableData(data, this.#maxDataBytes);
    const previous = this.#record.data;
    this.#record.data = stored;
    if (store) this.#storeOr(() => (this.#record.data = previous));
  }

  /** Adds a room the connection joined, stored; the names of its rooms are bounded. */
  addRoom(room: string): void {
    const rooms = this.#record.rooms;
    checkRoomNames([...rooms, room]);
    rooms.push(room);
    this.#storeOr(() => rooms.pop());
  }

  /** Removes a room the connection left (false: it was not a member), stored if `store`. */
  removeRoom(room: string, store: boolean): boolean {
    const rooms = this.#record.rooms;
    const index = rooms.indexOf(room);
    if (index === -1) return false;
    rooms.splice(index, 1);
    if (store) this.store();
    return true;
  }

  /** The connection carries this session from now on. */
  setSession(session: string): void {
    this.#record.session = session;
    this.store();
  }

  /** The connection is accepted, with this subprotocol or none. */
  accepted(subprotocol: string | null): void {
    if (subprotocol !== null) this.#record.subprotocol = subprotocol;
    this.store();
  }

  /** The server is closing the connection: later events for its socket are not the handler's. Stored with the close. */
  setClosing(): void {
    this.#record.closing = true;
  }

  /** Keeps when the handler's pending receive gives up, stored if `store`; false if that was kept already. */
  setDeadline(deadline: number | null, store: boolean): boolean {
    if (deadline === this.#record.deadline) return false;
    this.#record.deadline = deadline;
    if (store) this.store();
    return true;
  }

  store(): void {
    persistRecord(this.#socket, this.#record);
  }

  /** Stores the record; if it does not fit, `undo` puts the change back and the error goes on. */
  #storeOr(undo: () => void): void {
    try {
      this.store();
    } catch (error) {
      undo();
      throw error;
    }
  }
}
