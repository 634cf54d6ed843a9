import { assertCloseArguments } from "./close-code.js";
import type { Exclude } from "./durable-object/membership.js";
import type { RoomObjectRpc } from "./durable-object/room-object.js";

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
    if (typeof text !== "string") throw new TypeError(`broadcast() takes a string, got ${typeof text}`);
    return this.#stub.roomBroadcast(text, excludeList(options));
  }

  async broadcastJson(value: unknown, options?: RoomClientBroadcastOptions): Promise<number> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`broadcastJson() cannot serialize ${typeof value}`);
    return this.#stub.roomBroadcast(text, excludeList(options));
  }

  async broadcastBytes(data: ArrayBuffer | ArrayBufferView, options?: RoomClientBroadcastOptions): Promise<number> {
    if (!(data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
      throw new TypeError("broadcastBytes() takes an ArrayBuffer or a typed array");
    }
    return this.#stub.roomBroadcast(data, excludeList(options));
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

function excludeList(options: RoomClientBroadcastOptions | undefined): string[] {
  const exclude = options?.exclude;
  if (exclude === undefined) return [];
  return typeof exclude === "string" ? [exclude] : [...exclude];
}
