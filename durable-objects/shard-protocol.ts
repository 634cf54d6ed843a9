import type { LogPosition, LostReason } from "../src/shared/session-protocol.js";
import type { HistoryQuery, LogRead } from "./history.js";
import type { RoomMemberInfo } from "./room-member.js";

/** How a room spreads over shards: at most `maxConnections` in each. */
export interface ShardOptions {
  /** Connections one shard holds, at most (far below the runtime's 32,768 per object). Default 1000. */
  maxConnections?: number;
}

export type ResolvedShards = Readonly<Required<ShardOptions>>;

export function resolveShards(options: ShardOptions | true): ResolvedShards {
  const resolved = { maxConnections: 1_000, ...(options === true ? {} : options) };
  if (!(Number.isInteger(resolved.maxConnections) && resolved.maxConnections >= 1 && resolved.maxConnections <= 32_768)) {
    throw new RangeError(`shards.maxConnections must be a whole number from 1 to 32768, got ${String(resolved.maxConnections)}`);
  }
  return resolved;
}

/** One item of a sharded room's ordered stream, as every shard applies it. */
export interface StreamEntry {
  /** Its place in the room's one order: 1, 2, 3, ... */
  readonly seq: number;
  /** The `WebSocketRoom` it is for; null for every connection of the room. */
  readonly room: string | null;
  /** `clear`: the room's log starts anew, at `position` (a new epoch, offset 0). */
  readonly kind: "broadcast" | "close" | "clear";
  readonly frame: string | ArrayBuffer | null;
  readonly exclude: readonly string[];
  /** For a broadcast into a room with history: its place in the room's log. */
  readonly position: LogPosition | null;
  readonly code: number;
  readonly reason: string;
}

/** A member of a sharded room, with the shard that holds it. */
export interface ShardMemberInfo extends RoomMemberInfo {
  readonly shard: number;
}

/** What the shards of a room and Worker code ask of its sequencer. */
export interface SequencerRpc {
  /**
   * A shard with room for one more connection, not below `after`; it may be a new one. `home`: the
   * shard of a session the client resumes, chosen when it has room.
   */
  sequencerPlace(after: number, home?: number): number;
  /** A shard's connections and settled upgrades; an older report than one already heard is ignored. */
  sequencerReport(report: ShardReport): void;
  /** Sequences a broadcast (once per `id`); resolves with how many connections the room has. */
  sequencerPublish(id: string, room: string | null, frame: string | ArrayBuffer, exclude: readonly string[]): number;
  sequencerClose(id: string, room: string | null, code: number, reason: string): number;
  sequencerSize(room: string | null): Promise<number>;
  sequencerMembers(room: string | null): Promise<ShardMemberInfo[]>;
  sequencerHistory(room: string, query: HistoryQuery): LogRead | { lost: LostReason };
  /** Starts the room's log anew (a new epoch), once per `id`; the shards' copies follow in the stream. */
  sequencerClearHistory(id: string, room: string): void;
}

/** What the sequencer asks of a shard. */
export interface ShardRpc {
  /** Applies entries in order, each once; returns the last one applied. `from`: nothing before it is for this shard. */
  shardDeliver(entries: readonly StreamEntry[], from: number): number;
  shardSize(room: string | null): number;
  shardMembers(room: string | null): ShardMemberInfo[];
  shardSend(id: string, frame: string | ArrayBuffer): boolean;
  shardCloseMember(id: string, code: number, reason: string): void;
}

/** What a shard tells its sequencer whenever its connections change or an upgrade settles. */
export interface ShardReport {
  readonly shard: number;
  /** Grows with each report the shard makes, so that a late retry of an older one changes nothing. */
  readonly number: number;
  /** Open connections: the shard receives the room's stream while it has any. */
  readonly open: number;
  /** Sockets it holds, open or closing: what its cap counts. */
  readonly held: number;
  /** Sessions it holds, their sockets open or gone: it receives the stream while it has any, for their resumes. */
  readonly sessions: number;
  /** Sessions whose socket is gone and that can still be resumed here: its cap keeps a place for each. */
  readonly resumable: number;
  /** Upgrades it has accepted or refused, ever. */
  readonly settled: number;
}

/** What a shard counts and reports. */
export type ShardCounts = Pick<ShardReport, "open" | "held" | "sessions" | "resumable">;

/** A shard as its sequencer knows it. */
export interface ShardStatus {
  readonly shard: number;
  readonly connections: number;
  /** The last entry it has applied. */
  readonly delivered: number;
  /** Set while its last delivery failed and is being retried. */
  readonly failing: string | null;
}

/** The header on a shard's 503 that says it is full, so the Worker places the connection in another. */
export const SHARD_FULL_HEADER = "x-hypern-shard-full";
