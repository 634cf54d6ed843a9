import { DurableObject } from "cloudflare:workers";
import { assertCloseArguments } from "../src/shared/close-code.js";
import type { LostReason } from "../src/shared/session-protocol.js";
import { runMethodsInRoomObject } from "./current-room.js";
import type { HistoryQuery, LogRead } from "./history.js";
import type { RoomApp } from "./host.js";
import { RoomHost } from "./host.js";
import { toFrame } from "./message.js";
import type { RoomMemberInfo } from "./room-member.js";
import type { Sequencer } from "./sequencer.js";
import type { ShardRole } from "./shard-role.js";
import type { SequencerRpc, ShardMemberInfo, ShardReport, ShardRpc, StreamEntry } from "./shard-protocol.js";

/** What Worker code may ask of a room object over RPC (see `app.room(env, name)`). */
export interface RoomObjectRpc {
  /** Sends to every open connection of the object but the excluded ids; returns how many were sent to. */
  roomBroadcast(frame: string | ArrayBuffer | ArrayBufferView, exclude?: readonly string[], room?: string): number | Promise<number>;
  roomCloseAll(code: number, reason: string): number;
  roomConnections(): RoomMemberInfo[] | Promise<RoomMemberInfo[]>;
  roomSize(): number | Promise<number>;
  roomShards(): number[];
}

export type RoomObjectClass<Env> = new (ctx: DurableObjectState, env: Env) => DurableObject<Env> & RoomObjectRpc & SequencerRpc & ShardRpc;

/**
 * The Durable Object class of an app: one instance per room name, holding its connections through
 * the WebSocket Hibernation API. Subclass it in the Worker's entry module to export it.
 */
export function roomObjectClass<Env>(app: RoomApp): RoomObjectClass<Env> {
  return class RoomObject extends DurableObject<Env> implements RoomObjectRpc, SequencerRpc, ShardRpc {
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

    // What Worker code asks of a room (`app.room(env, ...)`); for a sharded room it asks the sequencer.

    roomBroadcast(frame: string | ArrayBuffer | ArrayBufferView, exclude: readonly string[] = [], room?: string): number | Promise<number> {
      const sequencer = this.#host.sequencer;
      if (sequencer !== null) return sequencer.publish(crypto.randomUUID(), room ?? null, toFrame(frame), exclude);
      const skip = new Set(exclude);
      return room === undefined ? this.#host.broadcastAll(frame, skip) : this.#host.broadcast(room, frame, skip);
    }

    roomCloseAll(code: number, reason: string): number {
      assertCloseArguments(code, reason);
      const sequencer = this.#host.sequencer;
      if (sequencer !== null) return sequencer.close(crypto.randomUUID(), null, code, reason);
      const sockets = [...this.#host.sockets()];
      for (const [, socket] of sockets) this.#host.close(socket, code, reason);
      return sockets.length;
    }

    roomConnections(): RoomMemberInfo[] | Promise<RoomMemberInfo[]> {
      const sequencer = this.#host.sequencer;
      if (sequencer !== null) return sequencer.members(null).then((members) => members.map(({ id, data }) => ({ id, data })));
      return this.#host.memberInfos();
    }

    roomSize(): number | Promise<number> {
      return this.#host.sequencer?.size(null) ?? [...this.#host.sockets()].length;
    }

    /** The objects a room is made of: this one, and for a sharded room its shards (for `hypern-workers/testing`). */
    roomShards(): number[] {
      return this.#host.sequencer?.shards().map(({ shard }) => shard) ?? [];
    }

    // The sequencer of a sharded room, for its shards and the Worker.

    sequencerPlace(after: number, home?: number): number {
      return this.#sequencer().place(after, home);
    }

    sequencerReport(report: ShardReport): void {
      this.#sequencer().report(report);
    }

    sequencerPublish(id: string, room: string | null, frame: string | ArrayBuffer, exclude: readonly string[]): number {
      return this.#sequencer().publish(id, room, frame, exclude);
    }

    sequencerClose(id: string, room: string | null, code: number, reason: string): number {
      assertCloseArguments(code, reason);
      return this.#sequencer().close(id, room, code, reason);
    }

    sequencerSize(room: string | null): Promise<number> {
      return this.#sequencer().size(room);
    }

    sequencerMembers(room: string | null): Promise<ShardMemberInfo[]> {
      return this.#sequencer().members(room);
    }

    sequencerHistory(room: string, query: HistoryQuery): LogRead | { lost: LostReason } {
      return this.#sequencer().history(room, query);
    }

    sequencerClearHistory(id: string, room: string): void {
      this.#sequencer().clearHistory(id, room);
    }

    // A shard of a sharded room, for its sequencer.

    shardDeliver(entries: readonly StreamEntry[], from: number): number {
      return this.#shard().deliver(entries, from);
    }

    shardSize(room: string | null): number {
      return this.#shard().localSize(room);
    }

    shardMembers(room: string | null): ShardMemberInfo[] {
      return this.#shard().localMembers(room);
    }

    shardSend(id: string, frame: string | ArrayBuffer): boolean {
      return this.#shard().sendTo(id, frame);
    }

    shardCloseMember(id: string, code: number, reason: string): void {
      assertCloseArguments(code, reason);
      this.#shard().closeMember(id, code, reason);
    }

    #shard(): ShardRole {
      const shard = this.#host.shard;
      if (shard === null) throw new Error("This room object is not a shard of a sharded room");
      return shard;
    }

    #sequencer(): Sequencer {
      const sequencer = this.#host.sequencer;
      if (sequencer === null) throw new Error("This room object is not the sequencer of a sharded room");
      return sequencer;
    }
  };
}
