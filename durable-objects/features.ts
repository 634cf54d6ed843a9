import type { RoomPart } from "../src/shared/room-address.js";
import type { RoomHistory } from "./rooms/history.js";
import type { Rooms } from "./rooms/rooms.js";
import type { SessionDeps } from "./sessions/held-sessions.js";
import type { SessionParts } from "./sessions/session-parts.js";
import type { Sequencer, SequencerDeps } from "./shards/sequencer.js";
import type { ShardDeps, ShardRooms } from "./shards/shard-rooms.js";

/** Builds a room object's room histories, in its SQLite storage. */
export interface HistoryPart {
  history(sql: SqlStorage, wakeAt: (time: number) => void): RoomHistory;
}

/** Builds what carries a room object's sessions. */
export interface SessionsPart {
  sessions(deps: SessionDeps, anyRoute: boolean): SessionParts;
}

/** Builds a sharded room's objects: its sequencer, or one of its shards. */
export interface ShardsPart {
  sequencer(
    deps: SequencerDeps,
    stubOf: (part: RoomPart) => DurableObjectStub,
  ): { readonly sequencer: Sequencer; readonly rooms: Rooms };
  shard(deps: ShardDeps): ShardRooms;
}

/**
 * The parts an app was built with: `hypern-workers` has them all, `hypern-workers/core` only those given
 * to it, so that an app that uses none does not carry their code.
 */
export interface RoomObjectFeatures {
  readonly history?: HistoryPart;
  readonly sessions?: SessionsPart;
  readonly shards?: ShardsPart;
}
