import type { RoomMemberInfo, RoomObjectRpc } from "../durable-objects/index.js";
import { assertCloseArguments } from "./shared/close-code.js";
import type { ExcludeIds } from "./shared/exclude.js";
import { toIdSet } from "./shared/exclude.js";
import { bytesPayload, jsonPayload, textPayload } from "./shared/payload.js";
import { explainRoomObjectFailure } from "./wiring.js";

export interface RoomObjectBroadcastOptions {
  /** Connection ids to skip: one id or any iterable of ids. */
  exclude?: ExcludeIds;
  /**
   * A `WebSocketRoom` of the room object to broadcast into (its members only; kept in its history, if
   * it keeps one). Default: every open connection of the room object.
   */
  room?: string;
}

/** @deprecated Renamed `RoomObjectBroadcastOptions`. Removed in 0.3. */
export type RoomClientBroadcastOptions = RoomObjectBroadcastOptions;

let objectsOf: (client: RoomObjectClient) => Promise<DurableObjectStub[]>;
let stubOf: (client: RoomObjectClient) => DurableObjectStub;

/** The room object's stub behind a client (a sharded room's: its sequencer's). */
export function roomStub(client: RoomObjectClient): DurableObjectStub {
  return stubOf(client);
}

/**
 * Every object a room object's room is made of: the one, or a sharded room's sequencer and shards (for `hibernate`).
 */
export function roomObjects(client: RoomObjectClient): Promise<DurableObjectStub[]> {
  return objectsOf(client);
}

/**
 * A room object seen from plain Worker code (an HTTP route, a cron), from `app.roomObject(env, ...)`:
 * every call is one RPC to the object, and addresses all of its open connections (dormant ones
 * included), or the members of one of its `WebSocketRoom`s. A sharded room is reached through its
 * sequencer, with the same methods and results.
 */
export class RoomObjectClient {
  readonly #stub: RoomObjectRpc;
  readonly #binding: string;
  readonly #shard: ((index: number) => DurableObjectStub) | null;

  static {
    stubOf = (client) => client.#stub as unknown as DurableObjectStub;
    objectsOf = async (client) => {
      const stub = client.#stub as unknown as DurableObjectStub;
      const shard = client.#shard;
      if (shard === null) return [stub];
      return [stub, ...(await client.#stub.roomShards()).map((index) => shard(index))];
    };
  }

  /** @internal Made by `app.roomObject(env, ...)`; a sharded room's client talks to its sequencer. */
  constructor(stub: RoomObjectRpc, binding: string, shard: ((index: number) => DurableObjectStub) | null = null) {
    this.#stub = stub;
    this.#binding = binding;
    this.#shard = shard;
  }

  /** Sends text to every connection (or every member of `options.room`); resolves with how many it was sent to. */
  broadcast(text: string, options?: RoomObjectBroadcastOptions): Promise<number> {
    return this.#call((stub) =>
      stub.roomBroadcast(textPayload(text, "broadcast"), excludeList(options), options?.room),
    );
  }

  broadcastJson(value: unknown, options?: RoomObjectBroadcastOptions): Promise<number> {
    return this.#call((stub) =>
      stub.roomBroadcast(jsonPayload(value, "broadcastJson"), excludeList(options), options?.room),
    );
  }

  broadcastBytes(data: ArrayBuffer | ArrayBufferView, options?: RoomObjectBroadcastOptions): Promise<number> {
    return this.#call((stub) =>
      stub.roomBroadcast(bytesPayload(data, "broadcastBytes"), excludeList(options), options?.room),
    );
  }

  /**
   * Closes every connection; the handlers see a WebSocketDisconnect with this code and reason. Resolves with how many.
   */
  closeAll(code = 1000, reason = ""): Promise<number> {
    return this.#call((stub) => {
      assertCloseArguments(code, reason);
      return stub.roomCloseAll(code, reason);
    });
  }

  /** The open connections, dormant ones included, each with its id and `ws.data`. */
  getConnections<Data = unknown>(): Promise<RoomMemberInfo<Data>[]> {
    return this.#call((stub) => stub.roomConnections() as RoomMemberInfo<Data>[]);
  }

  /** The number of open connections, dormant ones included. */
  size(): Promise<number> {
    return this.#call((stub) => stub.roomSize());
  }

  /** One RPC; a room object of the wrong class is explained, not reported as a missing method. */
  async #call<T>(rpc: (stub: RoomObjectRpc) => T | Promise<T>): Promise<T> {
    try {
      return await rpc(this.#stub);
    } catch (error) {
      throw explainRoomObjectFailure(this.#binding, error);
    }
  }
}

/** @deprecated Renamed `RoomObjectClient` (it reaches a room object, not one `WebSocketRoom`). Removed in 0.3. */
export const RoomClient = RoomObjectClient;
/** @deprecated Renamed `RoomObjectClient`. Removed in 0.3. */
export type RoomClient = RoomObjectClient;

/** The ids to exclude, as an array: what travels over RPC. */
function excludeList(options: RoomObjectBroadcastOptions | undefined): string[] {
  return [...(toIdSet(options?.exclude) ?? [])];
}
