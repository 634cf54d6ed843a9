import { assertCloseArguments } from "../src/shared/close-code.js";
import { currentRoomObject } from "./current-room.js";
import type { Exclude } from "../src/shared/exclude.js";
import { toIdSet } from "../src/shared/exclude.js";
import { bytesPayload, jsonPayload, textPayload } from "../src/shared/payload.js";
import type { AnyParams } from "../src/shared/route-params.js";
import type { ServerWebSocket } from "./websocket.js";
import { connectionBehind } from "./websocket.js";

export interface BroadcastOptions {
  /** Connection ids to skip: one id, or any iterable of ids (a Set, an array). */
  exclude?: Exclude;
}

type AnySocket = ServerWebSocket<AnyParams, unknown>;

/**
 * A named group of connections inside one room object: Hypern's WebSocketRoom.
 *
 * Make it anywhere, module scope included: its members always resolve in the room object that is
 * running the handler, and they survive hibernation (members whose handler is dormant still receive
 * broadcasts and still count). Use it from handlers; from Worker code, use `app.room(env, name)`.
 */
export class WebSocketRoom {
  readonly name: string;

  constructor(name = "default") {
    if (typeof name !== "string" || name === "") throw new TypeError("A WebSocketRoom needs a non-empty string name");
    this.name = name;
  }

  /** Adds the connection; a no-op if it is a member already (as it is after a resume). */
  join(ws: AnySocket): void {
    currentRoomObject("join").join(this.name, connectionBehind(ws));
  }

  /** Removes the connection; a no-op if it is not a member. */
  leave(ws: AnySocket): void {
    currentRoomObject("leave").leave(this.name, connectionBehind(ws));
  }

  broadcast(text: string, options?: BroadcastOptions): void {
    currentRoomObject("broadcast").broadcast(this.name, textPayload(text, "broadcast"), toIdSet(options?.exclude));
  }

  /** Broadcasts `value` as compact JSON text, serialized once for all members. */
  broadcastJson(value: unknown, options?: BroadcastOptions): void {
    currentRoomObject("broadcastJson").broadcast(this.name, jsonPayload(value, "broadcastJson"), toIdSet(options?.exclude));
  }

  broadcastBytes(data: ArrayBuffer | ArrayBufferView, options?: BroadcastOptions): void {
    currentRoomObject("broadcastBytes").broadcast(this.name, bytesPayload(data, "broadcastBytes"), toIdSet(options?.exclude));
  }

  /** Closes every member; the handlers of dormant members run again to see their disconnect. */
  closeAll(code = 1000, reason = ""): void {
    assertCloseArguments(code, reason);
    const host = currentRoomObject("closeAll");
    for (const socket of [...host.members(this.name).values()]) host.close(socket, code, reason);
  }

  /** Ids of the members, dormant ones included. */
  getConnections(): string[] {
    return [...currentRoomObject("getConnections").members(this.name).keys()];
  }

  /** Number of members, dormant ones included. */
  get size(): number {
    return currentRoomObject("size").size(this.name);
  }
}
