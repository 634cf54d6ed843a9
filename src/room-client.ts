import { assertCloseArguments } from "./shared/close-code.js";
import type { Exclude } from "./shared/exclude.js";
import { toIdSet } from "./shared/exclude.js";
import type { RoomObjectRpc } from "../durable-objects/room-object.js";
import { bytesPayload, jsonPayload, textPayload } from "./shared/payload.js";

export interface RoomClientBroadcastOptions {
  /** Connection ids to skip: one id or any iterable of ids. */
  exclude?: Exclude;
}

/**
 * A room object seen from plain Worker code (an HTTP route, a cron): every call is one RPC to the
 * object, and addresses all of its open connections, dormant ones included.
 */
export class RoomClient {
  readonly #stub: RoomObjectRpc;

  /** @internal Made by `app.room(env, name)`. */
  constructor(stub: RoomObjectRpc) {
    this.#stub = stub;
  }

  /** Sends text to every connection; resolves with how many it was sent to. */
  async broadcast(text: string, options?: RoomClientBroadcastOptions): Promise<number> {
    return this.#stub.roomBroadcast(textPayload(text, "broadcast"), excludeList(options));
  }

  async broadcastJson(value: unknown, options?: RoomClientBroadcastOptions): Promise<number> {
    return this.#stub.roomBroadcast(jsonPayload(value, "broadcastJson"), excludeList(options));
  }

  async broadcastBytes(data: ArrayBuffer | ArrayBufferView, options?: RoomClientBroadcastOptions): Promise<number> {
    return this.#stub.roomBroadcast(bytesPayload(data, "broadcastBytes"), excludeList(options));
  }

  /** Closes every connection; the handlers see a WebSocketDisconnect with this code and reason. */
  async closeAll(code = 1000, reason = ""): Promise<void> {
    assertCloseArguments(code, reason);
    await this.#stub.roomCloseAll(code, reason);
  }

  /** Ids of the open connections. */
  async getConnections(): Promise<string[]> {
    return this.#stub.roomConnections();
  }

  async size(): Promise<number> {
    return this.#stub.roomSize();
  }
}

/** The ids to exclude, as an array: what travels over RPC. */
function excludeList(options: RoomClientBroadcastOptions | undefined): string[] {
  return [...(toIdSet(options?.exclude) ?? [])];
}
