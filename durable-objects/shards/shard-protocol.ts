import type { LogPosition, LostReason } from "../../src/shared/session-protocol.js";
import type { Frame, OutgoingFrame } from "../connection/frames.js";
import { toFrame } from "../connection/frames.js";
import type { HistoryQuery, HistoryRead } from "../rooms/history-read.js";
import type { PresenceView } from "../rooms/local-presence.js";
import type { KeyState } from "../rooms/presence.js";
import type { RoomMemberInfo } from "../rooms/room-member.js";

/** What a shard's handlers do to the whole room, sent to the room's sequencer to be put in the room's one order. */
export type RoomOp =
  | {
      readonly kind: "broadcast";
      readonly id: string;
      readonly room: string | null;
      readonly frame: Frame;
      readonly exclude: readonly string[];
    }
  | {
      readonly kind: "close";
      readonly id: string;
      readonly room: string | null;
      readonly code: number;
      readonly reason: string;
    }
  | { readonly kind: "clear"; readonly id: string; readonly room: string }
  /** A shard's part of a room's presence (`full`: all its keys in the room; those not told are gone from it). */
  | {
      readonly kind: "presence";
      readonly id: string;
      readonly room: string;
      readonly shard: number;
      readonly states: readonly KeyState[];
      readonly full: boolean;
    };

/** A broadcast as an op of the room's stream, with an id of its own. */
export function broadcastOp(room: string | null, frame: OutgoingFrame, exclude?: ReadonlySet<string>): RoomOp {
  return { kind: "broadcast", id: crypto.randomUUID(), room, frame: toFrame(frame), exclude: [...(exclude ?? [])] };
}

/** One item of a sharded room's ordered stream, as every shard applies it. */
export interface StreamEntry {
  /** Its place in the room's one order: 1, 2, 3, ... */
  readonly seq: number;
  /** The id of the op it is (its shard knows it as its own by this). */
  readonly id: string;
  /** The `WebSocketRoom` it is for; null for every connection of the room. */
  readonly room: string | null;
  /**
   * `clear`: the room's history starts anew, at `position` (a new epoch, offset 0). `presence`: `frame` is the room's
   * presence frame of what changed.
   */
  readonly kind: RoomOp["kind"];
  readonly frame: Frame | null;
  readonly exclude: readonly string[];
  /** For a broadcast into a room with history: its place in the room's history. */
  readonly position: LogPosition | null;
  readonly code: number;
  readonly reason: string;
}

/** Where the sequencer put a shard's ops: each op's place in the stream, and how many connections the room has. */
export interface Submitted {
  readonly seqs: readonly number[];
  readonly connections: number;
}

/** A member of a sharded room, with the shard that holds it. */
export interface ShardMemberInfo extends RoomMemberInfo {
  readonly shard: number;
}

/** What the shards of a room and Worker code ask of its sequencer. */
export interface SequencerRpc {
  /**
   * A shard with room for one more connection, not below `after`; it may be a new one. `home`: the
   * shard of a session the client resumes. `client`: the client's address, for a route with sessions:
   * its connections go to the shard it was last placed in, which makes room for it by ending its own
   * oldest dropped session, so that one client's dropped sessions do not spread over the room.
   */
  sequencerPlace(after: number, home?: number, client?: string): number;
  /** A shard's connections and settled upgrades; an older report than one already heard is ignored. */
  sequencerReport(report: ShardReport): void;
  /** Puts ops in the room's order, in the order given, each once per id (a retry is not sequenced twice). */
  sequencerSubmit(ops: readonly RoomOp[]): Submitted;
  sequencerSize(room: string | null): Promise<number>;
  sequencerMembers(room: string | null): Promise<ShardMemberInfo[]>;
  sequencerHistory(room: string, query: HistoryQuery): HistoryRead | { lost: LostReason };
  /** A room's presence, key by key. */
  sequencerPresence(room: string): PresenceView;
  /** A room's presence whole, as the frame a session client gets, and the stream's place it is as of. */
  sequencerPresenceFrame(room: string): { frame: string; seq: number };
}

/** What the sequencer, and the other shards, ask of a shard. */
export interface ShardRpc {
  /** Applies entries in order, each once; returns the last one applied. `from`: nothing before it is for this shard. */
  shardDeliver(entries: readonly StreamEntry[], from: number): number;
  shardSize(room: string | null): number;
  shardMembers(room: string | null): ShardMemberInfo[];
  /**
   * Sends to a member held here once this shard has applied the stream up to `after` (what its sender did before);
   * false when it is gone.
   */
  shardSend(id: string, frame: Frame, after: number): boolean | Promise<boolean>;
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
