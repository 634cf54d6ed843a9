import { assertCloseArguments } from "../../src/shared/close-code.js";
import type { ExcludeIds } from "../../src/shared/exclude.js";
import { toIdSet } from "../../src/shared/exclude.js";
import { bytesPayload, jsonPayload, textPayload } from "../../src/shared/payload.js";
import type { AnyParams } from "../../src/shared/route-params.js";
import type { OutgoingFrame } from "../connection/frames.js";
import type { ServerWebSocket } from "../connection/server-websocket.js";
import { connectionBehind } from "../connection/server-websocket.js";
import { currentRooms } from "./current-rooms.js";
import type { HistoryEntry, HistoryQuery } from "./history-read.js";
import type { PresenceView } from "./local-presence.js";
import type { RoomMember } from "./room-member.js";
import type { RoomOptions } from "./room-registry.js";
import { registerRoom } from "./room-registry.js";

export interface BroadcastOptions {
  /** Connection ids to skip: one id, or any iterable of ids (a Set, an array). */
  exclude?: ExcludeIds;
}

type AnySocket = ServerWebSocket<AnyParams, unknown>;

/**
 * A named group of connections: Hypern's WebSocketRoom. Broadcasts reach its members.
 *
 * Make it anywhere, module scope included: its members always resolve in the room object that is running the code (a
 * handler, or a method of your `extends app.RoomObject` class), and they survive hibernation: members whose handler is
 * dormant still receive broadcasts, count, and are listed. In a route with `shards` the room spans every shard of its
 * room object, with the same methods and order. From Worker code, `app.roomObject(env, ...)` broadcasts (into a named
 * room too), closes, counts and lists connections; history and presence are read here.
 *
 * Broadcasts, `closeAll`, `getConnections` and `size` return promises, as they must for a room over
 * several objects; in one object they are settled at once. Each broadcast and close is done (or, over
 * shards, in the room's order) when the call returns, so not awaiting one loses nothing.
 *
 * @typeParam Data - the members' `ws.data`, as `getConnections()` lists it.
 */
export class WebSocketRoom<Data = unknown> {
  readonly name: string;

  /**
   * @param options - `history: { limit, maxBytes, maxAgeMs }` (or `true` for 1000 entries, 8 MiB, one day) keeps an
   * ordered history of the room's broadcasts in the room object's SQLite storage: for late joiners
   * (`history()`, `sendHistory()`) and for session clients that resume. `presence: { key }` (or `true`)
   * keeps who is in the room (`presence()`), and tells session clients.
   */
  constructor(name = "default", options: RoomOptions<Data> = {}) {
    if (typeof name !== "string" || name === "") throw new TypeError("A WebSocketRoom needs a non-empty string name");
    this.name = name;
    registerRoom(name, options);
  }

  /** Adds the connection; a no-op if it is a member already (as it is on a rerun, or after a session resumed). */
  join(ws: AnySocket): void {
    currentRooms("join").join(this.name, connectionBehind(ws));
  }

  /** Removes the connection; a no-op if it is not a member. */
  leave(ws: AnySocket): void {
    currentRooms("leave").leave(this.name, connectionBehind(ws));
  }

  /** Sends text to every member but the excluded; resolves with how many it reached. */
  broadcast(text: string, options?: BroadcastOptions): Promise<number> {
    return this.#broadcast("broadcast", textPayload(text, "broadcast"), options);
  }

  /** Broadcasts `value` as compact JSON text, serialized once for all members. */
  broadcastJson(value: unknown, options?: BroadcastOptions): Promise<number> {
    return this.#broadcast("broadcastJson", jsonPayload(value, "broadcastJson"), options);
  }

  broadcastBytes(data: ArrayBuffer | ArrayBufferView, options?: BroadcastOptions): Promise<number> {
    return this.#broadcast("broadcastBytes", bytesPayload(data, "broadcastBytes"), options);
  }

  /** Closes every member (dormant members' handlers run again to see their disconnect); resolves with how many. */
  closeAll(code = 1000, reason = ""): Promise<number> {
    assertCloseArguments(code, reason);
    return Promise.resolve(currentRooms("closeAll").closeAll(this.name, code, reason));
  }

  /** The members, dormant ones included, each with its id and `ws.data`, to send to or close. */
  getConnections(): Promise<RoomMember<Data>[]> {
    return Promise.resolve(currentRooms("getConnections").members<Data>(this.name));
  }

  /** The number of members, dormant ones included. */
  size(): Promise<number> {
    return Promise.resolve(currentRooms("size").size(this.name));
  }

  /** The room's history (it must keep one): its epoch and entries, oldest first. */
  history(query: HistoryQuery = {}): Promise<{ epoch: string; entries: HistoryEntry[] }> {
    return Promise.resolve(currentRooms("history").history(this.name, query));
  }

  /**
   * Sends the room's recent history to one connection (a late joiner): raw payloads to a plain client,
   * entries with their place in the history to a session client. Resolves with how many were sent.
   */
  sendHistory(ws: AnySocket, query: HistoryQuery = {}): Promise<number> {
    return currentRooms("sendHistory").sendHistory(this.name, connectionBehind(ws), query);
  }

  /**
   * Who is in the room (it must keep presence): each key (one user's connections, see the room's
   * `presence.key`) with the data of its latest connection, how many are connected, and whether it is
   * away (none connected, but a session client that may resume). In a room over shards, the whole room's.
   */
  presence(): Promise<PresenceView<Data>> {
    return Promise.resolve(currentRooms("presence").presence<Data>(this.name));
  }

  /**
   * Drops the room's history and starts it anew (a new epoch): resuming clients are told their gap cannot be filled.
   */
  clearHistory(): Promise<void> {
    return Promise.resolve(currentRooms("clearHistory").clearHistory(this.name));
  }

  #broadcast(operation: string, frame: OutgoingFrame, options: BroadcastOptions | undefined): Promise<number> {
    return Promise.resolve(currentRooms(operation).broadcast(this.name, frame, toIdSet(options?.exclude)));
  }
}
