import type { RecordView } from "../connection/record.js";
import { Membership } from "./membership.js";

/** What reading the membership needs: the object's open sockets, and each one's record. */
export interface MembershipSource {
  openSockets(): Iterable<WebSocket>;
  recordOf(socket: WebSocket): RecordView | null;
}

/**
 * A room object's membership, read from its sockets' records on first use after a wake: all at once, or one socket
 * at a time (`readWhile`) for a broadcast that delivers as it reads. Whatever asks for the membership in the middle of
 * such a pass (a delivery that closes a member, and so changes presence) has the rest read first: it sees it whole.
 */
export class MembershipAfterWake {
  readonly #source: MembershipSource;
  #membership: Membership | null = null;
  /** During `readWhile`: the sockets, and how many of them have been read. */
  #reading: { readonly sockets: readonly WebSocket[]; read: number } | null = null;

  constructor(source: MembershipSource) {
    this.#source = source;
  }

  /** The membership, read whole first if it was not. */
  get(): Membership {
    if (this.#reading !== null) this.#readRest(this.#reading);
    if (this.#membership === null) this.readWhile(() => {});
    return this.#membership as Membership;
  }

  /** The membership if it has been read (or is being read); null if not, when nothing in it can change. */
  ifRead(): Membership | null {
    return this.#membership;
  }

  /** Reads the membership one socket at a time, each handed to `visit` with its record as it is read. */
  readWhile(visit: (socket: WebSocket, record: RecordView | null, membership: Membership) => void): void {
    const membership = (this.#membership = new Membership());
    const reading = (this.#reading = { sockets: [...this.#source.openSockets()], read: 0 });
    try {
      for (const [index, socket] of reading.sockets.entries()) {
        const record = this.#source.recordOf(socket);
        if (index >= reading.read) {
          membership.addRecord(socket, record);
          reading.read = index + 1;
        }
        visit(socket, record, membership);
      }
    } finally {
      this.#readRest(reading);
      this.#reading = null;
    }
  }

  #readRest(reading: { readonly sockets: readonly WebSocket[]; read: number }): void {
    const membership = this.#membership as Membership;
    for (; reading.read < reading.sockets.length; reading.read += 1) {
      const socket = reading.sockets[reading.read] as WebSocket;
      membership.addRecord(socket, this.#source.recordOf(socket));
    }
  }
}
