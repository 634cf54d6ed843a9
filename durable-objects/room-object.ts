import { DurableObject } from "cloudflare:workers";
import { assertCloseArguments } from "../src/shared/close-code.js";
import type { LostReason } from "../src/shared/session-protocol.js";
import type { RoomObjectParts } from "./assemble.js";
import { assemble } from "./assemble.js";
import type { RoomObjectConfig } from "./config.js";
import type { Frame } from "./connection/frames.js";
import type { HistoryQuery, HistoryRead } from "./rooms/history-read.js";
import type { PresenceView } from "./rooms/local-presence.js";
import type { RoomMemberInfo } from "./rooms/room-member.js";
import type { RoomMethodsDeps } from "./room-methods.js";
import { runMethodsInRoomObject } from "./room-methods.js";
import type {
  RoomOp,
  SequencerRpc,
  ShardMemberInfo,
  ShardReport,
  ShardRpc,
  StreamEntry,
  Submitted,
} from "./shards/shard-protocol.js";

/** What Worker code may ask of a room object over RPC (see `app.roomObject(env, name)`). */
export interface RoomObjectRpc {
  /** Sends to every open connection of the object (or of one of its rooms) but the excluded ids; returns how many. */
  roomBroadcast(
    frame: string | ArrayBuffer | ArrayBufferView,
    exclude?: readonly string[],
    room?: string,
  ): number | Promise<number>;
  roomCloseAll(code: number, reason: string): number | Promise<number>;
  roomConnections(): RoomMemberInfo[] | Promise<RoomMemberInfo[]>;
  roomSize(): number | Promise<number>;
  /** The shards of a sharded room, for `hypern-workers/testing` (none for a room in one object). */
  roomShards(): number[];
}

export type RoomObjectClass<Env> = new (
  ctx: DurableObjectState,
  env: Env,
) => DurableObject<Env> & RoomObjectRpc & SequencerRpc & ShardRpc;

/**
 * The Durable Object class of an app: one instance per room object name, holding its connections
 * through the WebSocket Hibernation API. Subclass it in the Worker's entry module to export it.
 */
export function roomObjectClass<Env>(config: RoomObjectConfig): RoomObjectClass<Env> {
  return class RoomObject extends DurableObject<Env> implements RoomObjectRpc, SequencerRpc, ShardRpc {
    readonly #parts: RoomObjectParts;
    /** What the app's own methods run inside. */
    readonly #methods: RoomMethodsDeps;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      const parts = (this.#parts = assemble(ctx, env, config));
      this.#methods = { inRoomObject: parts.inRoomObject, alarm: (appAlarm) => parts.alarm.run(appAlarm) };
      runMethodsInRoomObject(new.target, RoomObject, (instance) => (instance as RoomObject).#methods);
    }

    /**
     * The library wakes the object at receive deadlines. To use the alarm yourself, set it as usual
     * (`ctx.storage.setAlarm`) and override `alarm()`: it runs when your alarm is due, inside the room object.
     */
    override alarm(): Promise<void> {
      return this.#parts.alarm.run(undefined);
    }

    override fetch(request: Request): Promise<Response> {
      return this.#parts.upgrade(request);
    }

    override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> | undefined {
      return this.#parts.dispatch.message(ws, message);
    }

    override webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> | undefined {
      return this.#parts.dispatch.closed(ws, code, reason);
    }

    override webSocketError(ws: WebSocket, error: unknown): Promise<void> | undefined {
      return this.#parts.dispatch.errored(ws, error);
    }

    // What Worker code asks of the object's rooms (`app.roomObject(env, ...)`).

    roomBroadcast(
      frame: string | ArrayBuffer | ArrayBufferView,
      exclude: readonly string[] = [],
      room?: string,
    ): number | Promise<number> {
      return this.#parts.rooms.broadcast(room ?? null, frame, new Set(exclude));
    }

    roomCloseAll(code: number, reason: string): number | Promise<number> {
      assertCloseArguments(code, reason);
      return this.#parts.rooms.closeAll(null, code, reason);
    }

    async roomConnections(): Promise<RoomMemberInfo[]> {
      return (await this.#parts.rooms.members(null)).map(({ id, data }) => ({ id, data }));
    }

    roomSize(): number | Promise<number> {
      return this.#parts.rooms.size(null);
    }

    roomShards(): number[] {
      return this.#parts.rooms.part.shards();
    }

    // The sequencer of a sharded room, for its shards and the Worker.

    sequencerPlace(after: number, home?: number, client?: string): number {
      return this.#parts.sequencer().place(after, home, client);
    }

    sequencerReport(report: ShardReport): void {
      this.#parts.sequencer().report(report);
    }

    sequencerSubmit(ops: readonly RoomOp[]): Submitted {
      for (const op of ops) if (op.kind === "close") assertCloseArguments(op.code, op.reason);
      return this.#parts.sequencer().submit(ops);
    }

    sequencerSize(room: string | null): Promise<number> {
      return this.#parts.sequencer().size(room);
    }

    sequencerMembers(room: string | null): Promise<ShardMemberInfo[]> {
      return this.#parts.sequencer().members(room);
    }

    sequencerHistory(room: string, query: HistoryQuery): HistoryRead | { lost: LostReason } {
      return this.#parts.sequencer().history(room, query);
    }

    sequencerPresence(room: string): PresenceView {
      return this.#parts.sequencer().presence(room);
    }

    sequencerPresenceFrame(room: string): { frame: string; seq: number } {
      return this.#parts.sequencer().presenceFrame(room);
    }

    // A shard of a sharded room, for its sequencer and the other shards.

    shardDeliver(entries: readonly StreamEntry[], from: number): number {
      return this.#parts.shard().deliver(entries, from);
    }

    shardSize(room: string | null): number {
      return this.#parts.shard().localSize(room);
    }

    shardMembers(room: string | null): ShardMemberInfo[] {
      return this.#parts.shard().localMembers(room);
    }

    shardSend(id: string, frame: Frame, after: number): Promise<boolean> {
      return this.#parts.shard().sendFromOther(id, frame, after);
    }

    shardCloseMember(id: string, code: number, reason: string): void {
      assertCloseArguments(code, reason);
      this.#parts.shard().closeMember(id, code, reason);
    }
  };
}
