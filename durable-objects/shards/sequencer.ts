import { doublingDelay } from "../../src/shared/doubling.js";
import type { LogPosition, LostReason } from "../../src/shared/session-protocol.js";
import type { ResolvedShards } from "../../src/shared/route-options.js";
import { frameColumns } from "../connection/frames.js";
import type { RoomHistory } from "../rooms/history.js";
import type { HistoryQuery, HistoryRead } from "../rooms/history-read.js";
import { readHistory } from "../rooms/history.js";
import type { PresenceView } from "../rooms/local-presence.js";
import type { KeyChange } from "../rooms/presence.js";
import { changeFrame, noPresence, snapshotFrame } from "../rooms/presence.js";
import { historyOf, presenceOf } from "../rooms/room-registry.js";
import { PresenceTable } from "./presence-table.js";
import { addMissingColumns } from "../storage/columns.js";
import type {
  RoomOp,
  ShardMemberInfo,
  ShardReport,
  ShardRpc,
  ShardStatus,
  StreamEntry,
  Submitted,
} from "./shard-protocol.js";
import type { ShardRow } from "./shard-table.js";
import { ShardTable } from "./shard-table.js";

interface EntryRow extends Record<string, SqlStorageValue> {
  seq: number;
  op: string | null;
  room: string | null;
  kind: string;
  text: string | null;
  bytes: ArrayBuffer | null;
  exclude: string;
  epoch: string | null;
  offset: number | null;
  code: number;
  reason: string;
}

/** Entries sent to a shard in one call, at most. */
const BATCH = 500;
/** How long the sequencer remembers an op's id, so that a shard's retry is not sequenced twice. */
const REMEMBER_OPS_MS = 10 * 60_000;
const FIRST_RETRY_MS = 250;
const LONGEST_RETRY_MS = 10_000;
/** While deliveries are pending, the alarm is set this far ahead: a reset sequencer comes back to finish them. */
const RESUME_AFTER_RESET_MS = 1_000;
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
 * The one order of a room that spans several objects. It places new connections in shards (filling
 * each to its cap, lowest first, never a full one), gives every broadcast and `closeAll` its place in
 * the room's stream (and its room's history, for rooms with history) and fans the stream out to the shards
 * that have connections: one call at a time per shard, carrying everything sequenced since its last
 * one, so a burst costs one call per shard per turn. A shard applies each entry once, in order; a
 * shard that cannot be reached is retried (and reported) from the last entry it applied.
 */
export class Sequencer {
  readonly #deps: SequencerDeps;
  readonly #presence: PresenceTable;
  readonly #shards: ShardTable;
  readonly #inFlight = new Set<number>();
  readonly #failing = new Map<number, { error: string; attempts: number; retryAt: number }>();
  #ready = false;

  constructor(deps: SequencerDeps) {
    this.#deps = deps;
    this.#presence = new PresenceTable(deps.sql);
    this.#shards = new ShardTable({
      sql: deps.sql,
      options: deps.options,
      head: () => this.#head(),
      wakeAt: (time) => deps.wakeAt(time),
    });
  }

  place(after: number, home?: number, client?: string, now = Date.now()): number {
    return this.#shards.place(after, home, client, now);
  }

  report(report: ShardReport): void {
    this.#shards.report(report);
    this.#forgetIdle(Date.now(), report.shard);
    this.#fanOut();
  }

  /** Puts ops in the room's order, in the order given; an op already sequenced (a retry) keeps its place. */
  submit(ops: readonly RoomOp[]): Submitted {
    const seqs = ops.map((op) => this.#append(op));
    this.#fanOut();
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
      failing: this.#failing.get(row.shard)?.error ?? null,
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
    this.#prepare();
    return {
      frame: snapshotFrame(room, this.#presence.states(room), presenceOf(room)?.countsOnly ?? false),
      seq: this.#head(),
    };
  }

  /** The room's history, for `history()` in a shard. */
  history(room: string, query: HistoryQuery): HistoryRead | { lost: LostReason } {
    const options = historyOf(room);
    if (options === null) throw new Error(`The room "${room}" keeps no history`);
    return readHistory(this.#deps.history, room, options, query);
  }

  /** The alarm fired: retry what is due, and deliver whatever is still pending. */
  retry(now: number): void {
    for (const failure of this.#failing.values()) if (failure.retryAt <= now) failure.retryAt = 0;
    this.#fanOut();
    this.#prune(now);
  }

  /**
   * What the sequencer remembers for a while (op ids against retries, where each client address was
   * placed) goes once its time has passed, and shards that hold nothing are forgotten: a room that
   * falls quiet keeps nothing of its traffic. The alarm comes back when the next remembered thing is due.
   */
  #prune(now: number): void {
    const { sql, wakeAt } = this.#deps;
    sql.exec("DELETE FROM hypern_ops WHERE at < ?", now - REMEMBER_OPS_MS);
    this.#shards.forgetClients(now);
    this.#forgetIdle(now);
    // A shard reset without a close event for its sockets hears nothing more, and reports nothing: it is
    // asked (an empty delivery, after which it reports whatever it has), so that its place is not held for good.
    const live = this.#shards.live();
    for (const row of live) if (!this.#inFlight.has(row.shard)) void this.#probe(row);
    if (live.length > 0) wakeAt(now + PROBE_LIVE_SHARDS_MS);
    const dues = [
      sql.exec<{ due: number | null }>("SELECT MIN(at) + ? AS due FROM hypern_ops", REMEMBER_OPS_MS).one().due,
      this.#shards.nextDue(),
    ].filter((due) => due !== null);
    if (dues.length > 0) wakeAt(Math.max(Math.min(...dues), now + 1_000));
  }

  async #probe(row: ShardRow): Promise<void> {
    try {
      await this.#deps.shard(row.shard).shardDeliver([], row.delivered + 1);
    } catch {
      // Unreachable now: the next delivery, or the next probe, tries again.
    }
  }

  /** Forgets the shards (one, or all) that hold nothing (see ShardTable.forgetIdle). */
  #forgetIdle(now: number, shard?: number): void {
    // What a shard that holds nothing still had in a room's presence is gone: every shard is told.
    let told = false;
    for (const idleShard of this.#shards.forgetIdle(now, shard)) {
      for (const { room, changes } of this.#presence.forgetShard(idleShard, now)) {
        const entry = this.#presenceEntry(room, changes);
        if (entry !== null) {
          this.#insert(crypto.randomUUID(), entry);
          told = true;
        }
      }
    }
    if (told) this.#fanOut();
  }

  /**
   * Appends an op to the stream (a broadcast into a room with history to the room's history too); returns its place.
   */
  #append(op: RoomOp): number {
    this.#prepare();
    const { sql, history } = this.#deps;
    const now = Date.now();
    const known = sql.exec<{ seq: number }>("SELECT seq FROM hypern_ops WHERE id = ?", op.id).toArray()[0];
    if (known !== undefined) return known.seq;
    let entry: Omit<StreamEntry, "seq" | "id"> | null;
    if (op.kind === "broadcast") {
      const options = op.room === null ? null : historyOf(op.room);
      const position =
        options === null || op.room === null ? null : history.append(op.room, op.frame, options, op.exclude);
      entry = { room: op.room, kind: "broadcast", frame: op.frame, exclude: op.exclude, position, code: 0, reason: "" };
    } else if (op.kind === "close") {
      entry = {
        room: op.room,
        kind: "close",
        frame: null,
        exclude: [],
        position: null,
        code: op.code,
        reason: op.reason,
      };
    } else if (op.kind === "clear") {
      // Clearing a room that keeps no history changes nothing: no entry.
      entry =
        historyOf(op.room) === null
          ? null
          : {
              room: op.room,
              kind: "clear",
              frame: null,
              exclude: [],
              position: history.clear(op.room),
              code: 0,
              reason: "",
            };
    } else {
      entry = this.#presenceEntry(op.room, this.#presence.apply(op.room, op.shard, op.states, op.full, now));
    }
    // An op that changes nothing takes no place of its own: it is placed after all that came before it.
    const seq = entry === null ? this.#head() : this.#insert(op.id, entry);
    sql.exec("INSERT INTO hypern_ops (id, seq, at) VALUES (?, ?, ?)", op.id, seq, now);
    sql.exec("DELETE FROM hypern_ops WHERE at < ?", now - REMEMBER_OPS_MS);
    // The alarm comes back to forget it, should the room fall quiet.
    this.#deps.wakeAt(now + REMEMBER_OPS_MS);
    return seq;
  }

  /** Puts an entry at the end of the stream; returns its place. */
  #insert(id: string, entry: Omit<StreamEntry, "seq" | "id">): number {
    const { sql } = this.#deps;
    const seq = sql
      .exec<{ next: number }>("UPDATE hypern_sequence SET next = next + 1 RETURNING next - 1 AS next")
      .one().next;
    const [text, bytes] = entry.frame === null ? [null, null] : frameColumns(entry.frame);
    sql.exec(
      "INSERT INTO hypern_stream (seq, op, room, kind, text, bytes, exclude, epoch, offset, code, reason) VALUES " +
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      seq,
      id,
      entry.room,
      entry.kind,
      text,
      bytes,
      JSON.stringify(entry.exclude),
      entry.position?.epoch ?? null,
      entry.position?.offset ?? null,
      entry.code,
      entry.reason,
    );
    return seq;
  }

  /** The stream entry that tells every shard what changed of a room's presence, or null when nothing did. */
  #presenceEntry(room: string, changes: readonly KeyChange[]): Omit<StreamEntry, "seq" | "id"> | null {
    const frame = changeFrame(room, changes, presenceOf(room)?.countsOnly ?? false, () => this.#presence.states(room));
    return frame === null ? null : { room, kind: "presence", frame, exclude: [], position: null, code: 0, reason: "" };
  }

  /** Starts a delivery to every shard with connections that has none in flight and is not waiting to retry. */
  #fanOut(): void {
    let pending = false;
    const head = this.#head();
    for (const row of this.#shards.live()) {
      if (row.delivered >= head) continue;
      pending = true;
      const failing = this.#failing.get(row.shard);
      if (this.#inFlight.has(row.shard) || (failing !== undefined && failing.retryAt > Date.now())) continue;
      void this.#deliver(row.shard);
    }
    // Should the object be reset meanwhile, its alarm brings it back to finish.
    if (pending) this.#deps.wakeAt(Date.now() + RESUME_AFTER_RESET_MS);
    this.#trim();
  }

  async #deliver(shard: number): Promise<void> {
    this.#inFlight.add(shard);
    try {
      for (;;) {
        const row = this.#shards.row(shard);
        if (row === undefined) return;
        const entries = this.#entriesAfter(row.delivered);
        if (entries.length === 0) return;
        let applied: number;
        try {
          applied = await this.#deps.shard(shard).shardDeliver(entries, (entries[0] as StreamEntry).seq);
        } catch (error) {
          this.#failed(shard, error);
          return;
        }
        this.#failing.delete(shard);
        this.#shards.markDelivered(shard, applied);
      }
    } finally {
      this.#inFlight.delete(shard);
      // Once per round, not per shard: trimming reads every shard's row. While deliveries keep
      // overlapping, the trim at each fan-out does the work.
      if (this.#inFlight.size === 0) this.#trim();
    }
  }

  #failed(shard: number, error: unknown): void {
    const attempts = (this.#failing.get(shard)?.attempts ?? 0) + 1;
    const delay = doublingDelay(attempts, FIRST_RETRY_MS, LONGEST_RETRY_MS);
    const message = error instanceof Error ? error.message : String(error);
    this.#failing.set(shard, { error: message, attempts, retryAt: Date.now() + delay });
    this.#deps.warn(`shard ${shard} could not be reached (attempt ${attempts}: ${message}); retrying in ${delay} ms`);
    this.#deps.wakeAt(Date.now() + delay);
  }

  /** Entries every shard with connections has applied are no longer needed. */
  #trim(): void {
    this.#deps.sql.exec("DELETE FROM hypern_stream WHERE seq <= ?", this.#shards.lowestDelivered() ?? this.#head());
  }

  #entriesAfter(delivered: number): StreamEntry[] {
    return this.#deps.sql
      .exec<EntryRow>(
        "SELECT seq, op, room, kind, text, bytes, exclude, epoch, offset, code, reason FROM hypern_stream WHERE " +
          "seq > ? ORDER BY seq LIMIT ?",
        delivered,
        BATCH,
      )
      .toArray()
      .map((row) => ({
        seq: row.seq,
        id: row.op ?? "",
        room: row.room,
        kind: row.kind as StreamEntry["kind"],
        frame: row.text ?? row.bytes,
        exclude: JSON.parse(row.exclude) as string[],
        position:
          row.epoch === null || row.offset === null
            ? null
            : ({ epoch: row.epoch, offset: row.offset } satisfies LogPosition),
        code: row.code,
        reason: row.reason,
      }));
  }

  #liveShards(): number[] {
    return this.#shards.live().map((row) => row.shard);
  }

  /** The last entry sequenced so far. */
  head(): number {
    return this.#head();
  }

  #head(): number {
    this.#prepare();
    return this.#deps.sql.exec<{ next: number }>("SELECT next FROM hypern_sequence").one().next - 1;
  }

  #prepare(): void {
    if (this.#ready) return;
    const { sql } = this.#deps;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_stream (seq INTEGER PRIMARY KEY, op TEXT, room TEXT, kind TEXT NOT NULL, " +
        "text TEXT, bytes BLOB, exclude TEXT NOT NULL, epoch TEXT, offset INTEGER, code INTEGER NOT NULL, reason " +
        "TEXT NOT NULL)",
    );
    // A stream made by an earlier version has no op ids (its entries keep none).
    addMissingColumns(sql, "hypern_stream", { op: "TEXT" });
    // Ops are remembered with their place in the stream (an earlier version kept ids alone, in hypern_published).
    sql.exec("DROP TABLE IF EXISTS hypern_published");
    sql.exec("CREATE TABLE IF NOT EXISTS hypern_ops (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL)");
    sql.exec("CREATE INDEX IF NOT EXISTS hypern_ops_at ON hypern_ops (at)");
    sql.exec("CREATE TABLE IF NOT EXISTS hypern_sequence (next INTEGER NOT NULL)");
    if (sql.exec("SELECT 1 FROM hypern_sequence").toArray().length === 0)
      sql.exec("INSERT INTO hypern_sequence (next) VALUES (1)");
    this.#ready = true;
  }
}
