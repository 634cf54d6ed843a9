import type { LogPosition } from "../../src/shared/session-protocol.js";
import type { Connection } from "../connection/connection.js";
import type { HistoryGate } from "./history-gate.js";
import type { KeyChange, KeyState } from "./presence.js";
import { changeFrame, snapshotFrame } from "./presence.js";
import type { Whereabouts } from "./presence-book.js";
import { PresenceBook } from "./presence-book.js";
import { presenceOf } from "./room-registry.js";

/** A room's presence as a handler reads it (`room.presence()`). */
export interface PresenceView<Data = unknown> {
  readonly entries: readonly {
    /** What groups one user's connections (see the room's `presence.key`). */
    readonly key: string;
    /** The data (`ws.data`) of its latest connection. */
    readonly data: Data | undefined;
    /** How many of its connections are connected. */
    readonly connections: number;
    /** None connected, but a session that may still resume. */
    readonly away: boolean;
  }[];
}

/** What the presence of this object's members needs from it. */
export interface LocalPresenceDeps {
  /** A room's members connected here, with their data. */
  connected(room: string): Iterable<{ readonly id: string; readonly data: unknown }>;
  /** A room's members whose session client is away, and may resume here. */
  dropped(room: string): Iterable<{ readonly id: string; readonly data: unknown }>;
  /** The ids whose session is away and can still be resumed here. */
  stillAway(): ReadonlySet<string>;
  /** A room's session members here (presence is for session clients). */
  sessionMembers(room: string): Iterable<WebSocket>;
  /** Sends a presence frame to one socket, as it is. */
  send(socket: WebSocket, frame: string): void;
  /**
   * Where this object's presence changes go: to its members (a room in one object), or to the room's sequencer (a
   * shard).
   */
  changed(room: string, changes: readonly KeyChange[]): void;
  /** Sends a room's presence whole to a session connection: from here (one object), or from the sequencer (a shard). */
  sendSnapshot(room: string, connection: Connection): void;
  readonly gate: HistoryGate;
}

/** The gate's name for a room's presence frames (its history uses the room's own name). */
const gateOf = (room: string): string => `presence:${room}`;

/**
 * The presence of the members this room object holds: who joins, leaves, drops away and comes back
 * (a member whose session client dropped is away, not gone, until its window ends), kept in a
 * PresenceBook and told once per turn. Session clients get a room's presence whole when they join it
 * or resume, and what changes after.
 */
export class LocalPresence {
  readonly #deps: LocalPresenceDeps;
  readonly #book: PresenceBook;

  constructor(deps: LocalPresenceDeps) {
    this.#deps = deps;
    this.#book = new PresenceBook({
      optionsOf: presenceOf,
      members: (room) => [
        ...[...deps.connected(room)].map(({ id, data }) => ({ id, data, where: "here" as Whereabouts })),
        ...[...deps.dropped(room)].map(({ id, data }) => ({ id, data, where: "away" as Whereabouts })),
      ],
      stillAway: () => deps.stillAway(),
      changed: (room, changes) => deps.changed(room, changes),
    });
  }

  /**
   * A connection joined a room (or came back into its rooms, resumed): here, and a session client gets the room's
   * presence.
   */
  joined(room: string, connection: Connection): void {
    if (presenceOf(room) === null) return;
    this.#book.here(room, connection.record.id, connection.record.data);
    if (connection.record.session !== null) this.#deps.sendSnapshot(room, connection);
  }

  left(room: string, connection: Connection): void {
    if (presenceOf(room) !== null) this.#book.gone(room, connection.record.id);
  }

  /**
   * A connection ended: its member is away if its session may resume, gone if not; `kept` when a newer connection
   * carries it on.
   */
  ended(connection: Connection, whereabouts: "away" | "gone" | "kept"): void {
    if (whereabouts === "kept") return;
    const { id, data, rooms } = connection.record;
    for (const room of rooms) {
      if (presenceOf(room) === null) continue;
      if (whereabouts === "away") this.#book.away(room, id, data);
      else this.#book.gone(room, id);
    }
  }

  /**
   * A connection's close is about to be handled: its rooms' presence is read first, with it still here (after a wake).
   */
  warm(record: { readonly id: string; readonly data: unknown; readonly rooms: readonly string[] }): void {
    for (const room of record.rooms)
      if (presenceOf(room) !== null) this.#book.prime(room, { id: record.id, data: record.data });
  }

  dataChanged(connection: Connection): void {
    for (const room of connection.record.rooms)
      if (presenceOf(room) !== null) this.#book.here(room, connection.record.id, connection.record.data);
  }

  /**
   * Members whose connections vanished without a close (a reset) and whose sessions may resume: away.
   * Told while the room's members are being read (the sessions are read then), so applied just after; by then the
   * resume that found them may have brought one back, and it stays here.
   */
  orphaned(
    members: readonly { readonly id: string; readonly data: unknown; readonly rooms: readonly string[] }[],
  ): void {
    queueMicrotask(() => {
      const away = this.#deps.stillAway();
      for (const { id, data, rooms } of members) {
        if (!away.has(id)) continue;
        for (const room of rooms) if (presenceOf(room) !== null) this.#book.away(room, id, data);
      }
    });
  }

  /** A room's presence here, key by key (what a shard tells its sequencer after it starts). */
  states(room: string): KeyState[] {
    return this.#book.states(room);
  }

  /** Sends the room's presence whole, from here, to a session connection. */
  sendSnapshot(room: string, connection: Connection): void {
    if (connection.isOpen) this.#deps.send(connection.socket, this.snapshot(room));
  }

  /** Sessions ended: their members away may be gone. */
  sessionsChanged(): void {
    this.#book.sessionsChanged();
  }

  /** The room's presence whole, as a session client gets it. */
  snapshot(room: string): string {
    return snapshotFrame(room, this.#book.states(room), presenceOf(room)?.countsOnly ?? false);
  }

  view<Data>(room: string): PresenceView<Data> {
    return {
      entries: this.#book.states(room).map(({ key, data, live, away }) => ({
        key,
        data: data as Data | undefined,
        connections: live,
        away: live === 0 && away > 0,
      })),
    };
  }

  /** What changed here, told to the room's session members here (a room in one object). */
  deliverChanges(room: string, changes: readonly KeyChange[]): void {
    const frame = changeFrame(room, changes, presenceOf(room)?.countsOnly ?? false, () => this.#book.states(room));
    if (frame !== null) for (const socket of this.#deps.sessionMembers(room)) this.#deps.send(socket, frame);
  }

  /**
   * A presence frame of the whole room (a sharded room's, from its stream at `position`), to the session members here.
   */
  deliver(room: string, frame: string, position: LogPosition): void {
    for (const socket of this.#deps.sessionMembers(room)) {
      if (this.#deps.gate.admit(socket, gateOf(room), position, frame) === "send") this.#deps.send(socket, frame);
    }
  }

  /**
   * A room's presence read elsewhere (a sharded room's sequencer, as of `position` in its stream), to
   * one connection: meanwhile the presence frames that reach it here wait, then follow, but those the
   * snapshot holds already.
   */
  async sendFrom(
    room: string,
    connection: Connection,
    read: Promise<{ frame: string; position: LogPosition }>,
  ): Promise<void> {
    const { socket } = connection;
    const holding = this.#deps.gate.start(socket, gateOf(room));
    let last: LogPosition | null = null;
    try {
      const { frame, position } = await read;
      last = position;
      if (connection.isOpen) this.#deps.send(socket, frame);
    } finally {
      if (holding)
        for (const held of this.#deps.gate.release(socket, gateOf(room), last))
          if (connection.isOpen) this.#deps.send(socket, held.frame as string);
    }
  }
}
