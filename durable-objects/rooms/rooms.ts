import type { Connection } from "../connection/connection.js";
import type { OutgoingFrame } from "../connection/frames.js";
import type { HistoryQuery, HistoryRead } from "./history-read.js";
import type { PresenceView } from "./local-presence.js";
import type { RoomMember } from "./room-member.js";

/**
 * What a room does, whoever holds its members: this room object alone, or the shards of a room spread
 * over several objects. Chosen once, when the room object starts; `WebSocketRoom`, the Worker's
 * `app.roomObject()` and the sessions layer all go through it, so what holds in one object holds over
 * shards by the same path.
 *
 * `room` names a `WebSocketRoom`; null means every connection of the room object (what Worker code
 * addresses with `app.roomObject()` and no room). Results are plain values in one object, promises
 * over shards.
 *
 * Order: a client sees the sends and broadcasts of one handler in the order the handler made them,
 * each once, whichever kind of room it is in.
 */
export interface Rooms {
  /** Adds a connection of this object to a room; false if it is a member already. */
  join(room: string, connection: Connection): boolean;
  leave(room: string, connection: Connection): void;
  /**
   * Sends to every member but the excluded; resolves with how many it reached here (one object) or how many the room
   * has (shards).
   */
  broadcast(room: string | null, frame: OutgoingFrame, exclude?: ReadonlySet<string>): number | Promise<number>;
  /** Closes every member (dormant members' handlers run again to see their disconnect); resolves with how many. */
  closeAll(room: string | null, code: number, reason: string): number | Promise<number>;
  size(room: string | null): number | Promise<number>;
  /** The members, dormant ones included, as handles to send to or close. */
  members<Data>(room: string | null): RoomMember<Data>[] | Promise<RoomMember<Data>[]>;
  /** Sends to one member alone, here or in another shard; false when it is gone for good. */
  sendTo(id: string, frame: OutgoingFrame): boolean | Promise<boolean>;
  /** The room's history: the last entries, or those after a position; with its epoch. */
  history(room: string, query: HistoryQuery): HistoryRead | Promise<HistoryRead>;
  /** Sends the room's history to one connection, in order with the room's live broadcasts, each entry once. */
  sendHistory(room: string, connection: Connection, query: HistoryQuery): Promise<number>;
  /** Drops the room's history and starts it anew (a new epoch). */
  clearHistory(room: string): void | Promise<void>;
  /** Who is in the room (it must keep presence), key by key. */
  presence<Data>(room: string): PresenceView<Data> | Promise<PresenceView<Data>>;
  /** This object's part in the room: how it limits and reports its connections, as its kind of room requires. */
  readonly part: ObjectPart;
}

/**
 * A room object's part in its room. A shard of a room over several objects has a cap of its own, keeps
 * a place for each session that may resume in it, tells the room's sequencer when its connections
 * change, retries what did not get through, and keeps its sends in order with its broadcasts; a room
 * in one object has none of that.
 */
export interface ObjectPart {
  /** The most connections this object takes, when below the app's own limit. */
  cap(): number | undefined;
  /** An upgrade was accepted or refused. */
  settled(): void;
  /** The object's connections or sessions may have changed. */
  changed(): void;
  /** The shards of this object's room, as far as it knows them (its sequencer knows them all; other objects, none). */
  shards(): number[];
  /** The object's alarm fired: retry what is due. */
  alarm(now: number): void;
  /**
   * Queues a send to a member held here behind the broadcasts and closes this object made before it,
   * when those are still on their way back to it (a shard's go through the room's sequencer); says
   * whether it queued (a session's direct message is kept in storage by the caller at once). Null for an object
   * where nothing is ever on its way (a room in one object): then a send costs no closure for it.
   */
  readonly holdSend: HoldSend | null;
}

/** Holds a send back behind what is still on its way (see `ObjectPart.holdSend`). */
export type HoldSend = (send: () => void) => Held;

/**
 * What holding a send back did: nothing was on its way (false), or it waits behind ops of which `behind` is the last
 * place in the room's stream, once the sequencer has placed them all (null while one is not placed yet).
 */
export type Held = false | { readonly behind: number | null };
