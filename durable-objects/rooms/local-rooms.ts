import { missingFeature } from "../../src/shared/missing-feature.js";
import { OPEN } from "../../src/shared/ready-state.js";
import type { LogPosition } from "../../src/shared/session-protocol.js";
import type { Connection } from "../connection/connection.js";
import { WebSocketError } from "../connection/errors.js";
import type { OutgoingFrame } from "../connection/frames.js";
import type { Delivery } from "../connection/outbox.js";
import type { RecordView } from "../connection/record.js";
import { deepFreeze } from "../../src/shared/readonly-data.js";
import type { ReadonlyData } from "../../src/shared/readonly-data.js";
import type { RoomHistory } from "./history.js";
import type { HistoryEntry, HistoryQuery, HistoryRead } from "./history-read.js";
import { completeRead, noHistory } from "./history-read.js";
import { HistoryGate } from "./history-gate.js";
import type { PresenceView } from "./local-presence.js";
import { LocalPresence } from "./local-presence.js";
import type { KeyChange } from "./presence.js";
import type { Membership } from "./membership.js";
import { MembershipAfterWake } from "./membership-after-wake.js";
import type { RoomMember } from "./room-member.js";
import { memberHandle } from "./room-member.js";
import { historyOf, presenceOf } from "./room-registry.js";
import { noPresence } from "./presence.js";
import type { ObjectPart, Rooms } from "./rooms.js";

/** One broadcast on its way to the members here; a session member's envelope is made once, for all of them. */
export interface Broadcast {
  /** The room it is for; null for every connection of the object. */
  readonly room: string | null;
  readonly frame: OutgoingFrame;
  /** Its place in the room's history, when the room keeps one. */
  readonly position: LogPosition | null;
  /** Sent from the room's history to one member (a late joiner), not live: its backlog is not counted. */
  readonly fromHistory?: boolean;
  envelope?: string;
}

/** What a room object's rooms need from it. */
export interface LocalRoomsDeps {
  /** The object's room histories; null in an app built without history. */
  readonly history: RoomHistory | null;
  /** Open sockets with their connection ids, dormant ones included. */
  sockets(): Iterable<[id: string, socket: WebSocket]>;
  /** The same sockets without their ids (their records hold them). */
  openSockets(): Iterable<WebSocket>;
  /** A socket's record, its handler running or dormant. */
  recordOf(socket: WebSocket): RecordView | null;
  /** Whether the connection's handler runs in this object now. */
  runsHere(connection: Connection): boolean;
  /** Sends a broadcast to one member; "skipped" for a session member too far behind (it is closed, to resume later). */
  deliver(socket: WebSocket, id: string, broadcast: Broadcast): Delivery | "skipped";
  /** Sends to one member alone: to its open socket, or kept for its session while it may resume. */
  sendTo(id: string, frame: OutgoingFrame): boolean;
  /** Closes a connection, its handler rerun if dormant. */
  close(socket: WebSocket, code: number, reason: string): void;
  /** A connection joined or left a room: its session keeps that. */
  membershipChanged(connection: Connection, room: string, joined: boolean): void;
  /** Sends a frame as it is (a presence frame), within the socket's outbound budget. */
  sendAsIs(socket: WebSocket, frame: string): void;
  /** Whether a socket carries a session (presence is sent to session clients). */
  isSession(socket: WebSocket): boolean;
  /** A room's members whose session client is away, and may resume here. */
  dropped(room: string): Iterable<{ readonly id: string; readonly data: unknown }>;
  /** The ids whose session is away and can still be resumed here. */
  stillAway(): ReadonlySet<string>;
  /** This object's presence changes, once per turn: told to its members, or to a sharded room's sequencer. */
  presenceChanged(room: string, changes: readonly KeyChange[]): void;
  /** Sends a room's presence whole to a session connection that joined it or resumed. */
  sendPresence(room: string, connection: Connection): void;
}

const ALONE: ObjectPart = {
  cap: () => undefined,
  settled() {},
  changed() {},
  shards: () => [],
  alarm() {},
  holdSend: null,
};

/**
 * The rooms of a room object that holds all of their members: a broadcast is logged in the room's
 * history and delivered in the same turn (the runtime's output gate holds the sends until the history
 * write is durable, so no member sees a broadcast the history could lose). A shard of a room over
 * several objects delivers to its own members through this too.
 */
export class LocalRooms implements Rooms {
  readonly part = ALONE;
  /** Who is in the rooms with presence, of the members held here. */
  readonly presenceHere: LocalPresence;
  readonly #deps: LocalRoomsDeps;
  readonly #membership: MembershipAfterWake;
  readonly #gate = new HistoryGate();

  constructor(deps: LocalRoomsDeps) {
    this.#deps = deps;
    this.#membership = new MembershipAfterWake(deps);
    this.presenceHere = new LocalPresence({
      connected: (room) =>
        [...this.#membership.get().members(room)].map(([id, socket]) => ({ id, data: deps.recordOf(socket)?.data })),
      dropped: (room) => deps.dropped(room),
      stillAway: () => deps.stillAway(),
      sessionMembers: (room) =>
        [...this.#membership.get().members(room).values()].filter((socket) => deps.isSession(socket)),
      send: (socket, frame) => deps.sendAsIs(socket, frame),
      changed: (room, changes) => deps.presenceChanged(room, changes),
      sendSnapshot: (room, connection) => deps.sendPresence(room, connection),
      gate: this.#gate,
    });
  }

  join(room: string, connection: Connection): boolean {
    if (connection.record.rooms.includes(room)) return false;
    if (!this.#deps.runsHere(connection))
      throw new WebSocketError("This connection belongs to another room object (or its handler has ended)");
    connection.joinRoom(room);
    this.#membership.get().add(room, connection.record.id, connection.socket);
    this.#deps.membershipChanged(connection, room, true);
    this.presenceHere.joined(room, connection);
    return true;
  }

  leave(room: string, connection: Connection): void {
    if (!connection.leaveRoom(room)) return;
    this.#membership.get().remove(room, connection.record.id, connection.socket);
    // A connection that has ended is in no room's presence any more (away, if its session may resume):
    // a handler leaving as its loop ends changes nothing there, nor in the session it leaves behind.
    if (!connection.isOpen) return;
    this.#deps.membershipChanged(connection, room, false);
    this.presenceHere.left(room, connection);
  }

  /**
   * A resumed session's new connection is a member of its rooms again (its record has them back), and back in their
   * presence.
   */
  restore(connection: Connection): void {
    for (const room of connection.record.rooms) {
      // A room's presence, sent whole, can find the socket's outbound budget spent by the replay: the
      // connection closes (1013) and its member is away in all its rooms, those not yet restored too.
      if (!connection.isOpen) return;
      this.#membership.get().add(room, connection.record.id, connection.socket);
      this.presenceHere.joined(room, connection);
    }
  }

  /**
   * A connection stopped being open: it is in no room any more. Its member is away if its session may
   * resume, gone if not, and neither when a newer connection carries its session on (`kept`).
   */
  forget(connection: Connection, whereabouts: "away" | "gone" | "kept"): void {
    const { record, socket } = connection;
    const membership = this.#membership.ifRead();
    if (membership !== null) for (const room of record.rooms) membership.remove(room, record.id, socket);
    this.#gate.forget(socket);
    this.presenceHere.ended(connection, whereabouts);
  }

  broadcast(room: string | null, frame: OutgoingFrame, exclude?: ReadonlySet<string>): number {
    const history = room === null ? null : historyOf(room);
    const position =
      history === null || room === null
        ? null
        : this.#histories(room).append(room, frame, history, [...(exclude ?? [])]);
    return this.deliverHere({ room, frame, position }, exclude);
  }

  /**
   * Delivers a broadcast to this object's members of its room (its place in the history known); returns how many it
   * reached.
   */
  deliverHere(broadcast: Broadcast, exclude: ReadonlySet<string> | undefined): number {
    const { room } = broadcast;
    if (room === null) return this.#deliverToAll(broadcast, exclude);
    const membership = this.#membership.ifRead();
    if (membership === null) return this.#deliverWhileReading(room, broadcast, exclude);
    let sent = 0;
    // One pass: a member whose socket has died is dropped here, as it is met.
    for (const [id, socket] of membership.current(room))
      sent += this.#deliverToMember(membership, room, id, socket, broadcast, exclude);
    return sent;
  }

  closeAll(room: string | null, code: number, reason: string): number {
    const sockets =
      room === null
        ? [...this.#deps.sockets()].map(([, socket]) => socket)
        : [...this.#membership.get().members(room).values()];
    for (const socket of sockets) this.#deps.close(socket, code, reason);
    return sockets.length;
  }

  size(room: string | null): number {
    return room === null ? [...this.#deps.sockets()].length : this.#membership.get().members(room).size;
  }

  members<Data>(room: string | null): RoomMember<Data>[] {
    return this.#pairs(room).map(([id, socket]) =>
      memberHandle<Data>(id, this.dataOf<Data>(socket), {
        send: (frame) => this.#deps.sendTo(id, frame),
        close: (code, reason) => this.#deps.close(socket, code, reason),
      }),
    );
  }

  /** The members here, each with its `ws.data` (what a shard tells its sequencer). */
  memberInfos(room: string | null): { id: string; data: unknown }[] {
    return this.#pairs(room).map(([id, socket]) => ({ id, data: this.dataOf(socket) }));
  }

  sendTo(id: string, frame: OutgoingFrame): boolean {
    return this.#deps.sendTo(id, frame);
  }

  history(room: string, query: HistoryQuery): HistoryRead {
    const options = historyOf(room);
    if (options === null) throw noHistory(room);
    return completeRead(this.#histories(room).read(room, options, query), query);
  }

  async sendHistory(room: string, connection: Connection, query: HistoryQuery): Promise<number> {
    const { entries, epoch } = this.history(room, query);
    return this.#sendEntries(room, connection, entries, epoch);
  }

  /**
   * Sends a history read elsewhere (a sharded room's sequencer) to one connection: meanwhile the room's
   * live broadcasts to it are held back, to follow the history in order and each once.
   */
  async sendHistoryFrom(room: string, connection: Connection, read: Promise<HistoryRead>): Promise<number> {
    const { socket } = connection;
    const holding = this.#gate.start(socket, room);
    let last: LogPosition | null = null;
    try {
      const { epoch, entries } = await read;
      const newest = entries.at(-1);
      if (newest !== undefined) last = { epoch, offset: newest.offset };
      return this.#sendEntries(room, connection, entries, epoch);
    } finally {
      if (holding) {
        for (const { frame, position } of this.#gate.release(socket, room, last)) {
          if (connection.isOpen) this.#deps.deliver(socket, connection.record.id, { room, frame, position });
        }
      }
    }
  }

  presence<Data>(room: string): PresenceView<Data> {
    if (presenceOf(room) === null) throw noPresence(room);
    return this.presenceHere.view<Data>(room);
  }

  clearHistory(room: string): void {
    if (historyOf(room) !== null) this.#histories(room).clear(room);
  }

  /** A connection's `ws.data`, frozen, from memory or its attachment. */
  dataOf<Data>(socket: WebSocket): ReadonlyData<Data> | undefined {
    return deepFreeze(this.#deps.recordOf(socket)?.data as Data | undefined);
  }

  #sendEntries(room: string, connection: Connection, entries: readonly HistoryEntry[], epoch: string): number {
    let sent = 0;
    for (const entry of entries) {
      if (!connection.isOpen) break;
      const broadcast: Broadcast = {
        room,
        frame: entry.data,
        position: { epoch, offset: entry.offset },
        fromHistory: true,
      };
      if (this.#deps.deliver(connection.socket, connection.record.id, broadcast) === "sent") sent += 1;
    }
    return sent;
  }

  #deliverToAll(broadcast: Broadcast, exclude: ReadonlySet<string> | undefined): number {
    let sent = 0;
    for (const [id, socket] of [...this.#deps.sockets()]) {
      if (!exclude?.has(id) && this.#deps.deliver(socket, id, broadcast) === "sent") sent += 1;
    }
    return sent;
  }

  #pairs(room: string | null): [string, WebSocket][] {
    return room === null ? [...this.#deps.sockets()] : [...this.#membership.get().members(room)];
  }

  /** The histories of a room that keeps one: an app built without history cannot. */
  #histories(room: string): RoomHistory {
    const { history } = this.#deps;
    if (history === null) throw missingFeature("history", `The room ${JSON.stringify(room)} (with { history })`);
    return history;
  }

  /**
   * The first broadcast into a room after a wake: the membership is read from the records in the same pass, each
   * member's copy sent as soon as its record is read, not after all of them are.
   */
  #deliverWhileReading(room: string, broadcast: Broadcast, exclude: ReadonlySet<string> | undefined): number {
    // One copy per member id, as the membership holds one socket per id.
    const reached = new Set<string>();
    let sent = 0;
    this.#membership.readWhile((socket, record, membership) => {
      if (record === null || record.closing || !record.rooms.includes(room) || reached.has(record.id)) return;
      reached.add(record.id);
      sent += this.#deliverToMember(membership, room, record.id, socket, broadcast, exclude);
    });
    return sent;
  }

  /** Delivers a broadcast to one member; 1 if it was sent (or held back, to follow a history read), else 0. */
  #deliverToMember(
    membership: Membership,
    room: string,
    id: string,
    socket: WebSocket,
    broadcast: Broadcast,
    exclude: ReadonlySet<string> | undefined,
  ): number {
    if (socket.readyState !== OPEN) {
      membership.remove(room, id, socket);
      return 0;
    }
    if (exclude?.has(id)) return 0;
    const admission = this.#gate.admit(socket, room, broadcast.position, broadcast.frame);
    if (admission !== "send") return admission === "held" ? 1 : 0;
    const delivery = this.#deps.deliver(socket, id, broadcast);
    if (delivery === "closed") membership.remove(room, id, socket);
    return delivery === "sent" ? 1 : 0;
  }
}
