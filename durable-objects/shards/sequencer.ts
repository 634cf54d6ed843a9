import type { LostReason } from "../../src/shared/session-protocol.js";
import type { ResolvedShards } from "../../src/shared/route-options.js";
import type { RoomHistory } from "../rooms/history.js";
import type { HistoryQuery, HistoryRead } from "../rooms/history-read.js";
import type { PresenceView } from "../rooms/local-presence.js";
import { noPresence, snapshotFrame } from "../rooms/presence.js";
import { historyOf, presenceOf } from "../rooms/room-registry.js";
import { PresenceTable } from "./presence-table.js";
import { SequencerStream } from "./sequencer-stream.js";
import type { RoomOp, ShardMemberInfo, ShardReport, ShardRpc, ShardStatus, Submitted } from "./shard-protocol.js";
import { ShardTable } from "./shard-table.js";
import { StreamDelivery } from "./stream-delivery.js";

/** While shards hold connections, the sequencer asks them this often whether they still do (see #prune). */
const PROBE_LIVE_SHARDS_MS = 5 * 60_000;

export interface SequencerDeps {
  readonly sql: SqlStorage;
  readonly history: RoomHistory;
  readonly options: ResolvedShards;
  /** The stub of one of the room's shards. */
  shard(index: number): ShardRpc;
  /** Wake the object (its alarm) at `time` (or earlier), to retry deliveries and forget what is due. */
  wakeAt(time: number): void;
  /** Describes a problem to the logger (always shown). */
  warn(message: string): void;
}

/**
 * The one order of a room that spans several objects. It places new connections in shards (shard-table.ts),
 * gives every broadcast and `closeAll` its place in the room's stream (and its room's history, for rooms
 * with history: sequencer-stream.ts) and fans the stream out to the shards that have connections
 * (stream-delivery.ts); and it answers for the whole room: its size, members, presence and history.
 */
export class Sequencer {
  readonly #deps: SequencerDeps;
  readonly #presence: PresenceTable;
  readonly #shards: ShardTable;
  readonly #stream: SequencerStream;
  readonly #delivery: StreamDelivery;

  constructor(deps: SequencerDeps) {
    this.#deps = deps;
    this.#presence = new PresenceTable(deps.sql);
    this.#shards = new ShardTable({
      sql: deps.sql,
      options: deps.options,
      head: () => this.#stream.head(),
      wakeAt: (time) => deps.wakeAt(time),
    });
    this.#stream = new SequencerStream({
      sql: deps.sql,
      history: deps.history,
      presence: this.#presence,
      wakeAt: (time) => deps.wakeAt(time),
    });
    this.#delivery = new StreamDelivery({
      stream: this.#stream,
      shards: this.#shards,
      shard: (index) => deps.shard(index),
      wakeAt: (time) => deps.wakeAt(time),
      warn: (message) => deps.warn(message),
    });
  }

  place(after: number, home?: number, client?: string, now = Date.now()): number {
    return this.#shards.place(after, home, client, now);
  }

  report(report: ShardReport): void {
    this.#shards.report(report);
    this.#forgetIdle(Date.now(), report.shard);
    this.#delivery.fanOut();
  }

  /** Puts ops in the room's order, in the order given; an op already sequenced (a retry) keeps its place. */
  submit(ops: readonly RoomOp[]): Submitted {
    const seqs = ops.map((op) => this.#stream.append(op));
    this.#delivery.fanOut();
    return { seqs, connections: this.#shards.connections() };
  }

  async size(room: string | null): Promise<number> {
    if (room === null) return this.#shards.connections();
    const sizes = await Promise.all(this.#liveShards().map((shard) => this.#deps.shard(shard).shardSize(room)));
    return sizes.reduce((sum, size) => sum + size, 0);
  }

  async members(room: string | null): Promise<ShardMemberInfo[]> {
    const lists = await Promise.all(this.#liveShards().map((shard) => this.#deps.shard(shard).shardMembers(room)));
    return lists.flat();
  }

  shards(): ShardStatus[] {
    return this.#shards.all().map((row) => ({
      shard: row.shard,
      connections: row.connections,
      delivered: row.delivered,
      failing: this.#delivery.failure(row.shard),
    }));
  }

  /** A room's presence, key by key. */
  presence(room: string): PresenceView {
    if (presenceOf(room) === null) throw noPresence(room);
    return {
      entries: this.#presence
        .states(room)
        .map(({ key, data, live, away }) => ({ key, data, connections: live, away: live === 0 && away > 0 })),
    };
  }

  /** A room's presence whole, as a session client gets it, and the place in the stream it is as of. */
  presenceFrame(room: string): { frame: string; seq: number } {
    return {
      frame: snapshotFrame(room, this.#presence.states(room), presenceOf(room)?.countsOnly ?? false),
      seq: this.#stream.head(),
    };
  }

  /** The room's history, for `history()` in a shard. */
  history(room: string, query: HistoryQuery): HistoryRead | { lost: LostReason } {
    const options = historyOf(room);
    if (options === null) throw new Error(`The room "${room}" keeps no history`);
    return this.#deps.history.read(room, options, query);
  }

  /** The alarm fired: retry what is due, and deliver whatever is still pending. */
  retry(now: number): void {
    this.#delivery.retry(now);
    this.#prune(now);
  }

  /** The last entry sequenced so far. */
  head(): number {
    return this.#stream.head();
  }

  /**
   * What the sequencer remembers for a while (op ids against retries, where each client address was
   * placed) goes once its time has passed, and shards that hold nothing are forgotten: a room that
   * falls quiet keeps nothing of its traffic. The alarm comes back when the next remembered thing is due.
   */
  #prune(now: number): void {
    const { wakeAt } = this.#deps;
    this.#stream.forgetOps(now);
    this.#shards.forgetClients(now);
    this.#forgetIdle(now);
    const live = this.#shards.live();
    this.#delivery.probe(live);
    if (live.length > 0) wakeAt(now + PROBE_LIVE_SHARDS_MS);
    const dues = [this.#stream.nextDue(), this.#shards.nextDue()].filter((due) => due !== null);
    if (dues.length > 0) wakeAt(Math.max(Math.min(...dues), now + 1_000));
  }

  /** Forgets the shards (one, or all) that hold nothing, and what they had in the rooms' presence. */
  #forgetIdle(now: number, shard?: number): void {
    if (this.#stream.shardsForgotten(this.#shards.forgetIdle(now, shard), now)) this.#delivery.fanOut();
  }

  #liveShards(): number[] {
    return this.#shards.live().map((row) => row.shard);
  }
}
