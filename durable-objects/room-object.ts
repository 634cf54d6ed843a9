import { DurableObject } from "cloudflare:workers";
import { assertCloseArguments } from "../src/shared/close-code.js";
import type { RoomApp } from "./host.js";
import { runMethodsInRoomObject } from "./current-room.js";
import { RoomHost } from "./host.js";
import type { RoomMemberInfo } from "./room-member.js";

/** What Worker code may ask of a room object over RPC (see `app.room(env, name)`). */
export interface RoomObjectRpc {
  /** Sends to every open connection of the object but the excluded ids; returns how many were sent to. */
  roomBroadcast(frame: string | ArrayBuffer | ArrayBufferView, exclude?: readonly string[], room?: string): number;
  roomCloseAll(code: number, reason: string): number;
  roomConnections(): RoomMemberInfo[];
  roomSize(): number;
}

export type RoomObjectClass<Env> = new (ctx: DurableObjectState, env: Env) => DurableObject<Env> & RoomObjectRpc;

/**
 * The Durable Object class of an app: one instance per room name, holding its connections through
 * the WebSocket Hibernation API. Subclass it in the Worker's entry module to export it.
 */
export function roomObjectClass<Env>(app: RoomApp): RoomObjectClass<Env> {
  return class RoomObject extends DurableObject<Env> implements RoomObjectRpc {
    readonly #host: RoomHost;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.#host = new RoomHost(ctx, env, app);
      runMethodsInRoomObject(new.target, RoomObject, (instance) => (instance as RoomObject).#host);
    }

    /**
     * The library wakes the object at receive deadlines. To use the alarm yourself, set it as usual
     * (`ctx.storage.setAlarm`) and override `alarm()`: it runs when your alarm is due, inside the room.
     */
    override alarm(): Promise<void> {
      return this.#host.alarm(undefined);
    }

    override fetch(request: Request): Promise<Response> {
      return this.#host.upgrade(request);
    }

    override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> | undefined {
      return this.#host.message(ws, message);
    }

    override webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> | undefined {
      return this.#host.closed(ws, code, reason);
    }

    override webSocketError(ws: WebSocket, error: unknown): Promise<void> | undefined {
      return this.#host.errored(ws, error);
    }

    roomBroadcast(frame: string | ArrayBuffer | ArrayBufferView, exclude: readonly string[] = [], room?: string): number {
      const skip = new Set(exclude);
      return room === undefined ? this.#host.broadcastAll(frame, skip) : this.#host.broadcast(room, frame, skip);
    }

    roomCloseAll(code: number, reason: string): number {
      assertCloseArguments(code, reason);
      const sockets = [...this.#host.sockets()];
      for (const [, socket] of sockets) this.#host.close(socket, code, reason);
      return sockets.length;
    }

    roomConnections(): RoomMemberInfo[] {
      return this.#host.memberInfos();
    }

    roomSize(): number {
      let size = 0;
      for (const _ of this.#host.sockets()) size += 1;
      return size;
    }
  };
}
