import type { LogPosition } from "../../src/shared/session-protocol.js";
import { frameColumns } from "../connection/frames.js";
import type { RoomHistory } from "../rooms/history.js";
import type { KeyChange } from "../rooms/presence.js";
import { changeFrame } from "../rooms/presence.js";
import { historyOf, presenceOf } from "../rooms/room-registry.js";
import { addMissingColumns } from "../storage/columns.js";
import type { PresenceTable } from "./presence-table.js";
import type { RoomOp, StreamEntry } from "./shard-protocol.js";

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

/** How long the sequencer remembers an op's id, so that a shard's retry is not sequenced twice. */
const REMEMBER_OPS_MS = 10 * 60_000;

export interface StreamDeps {
  readonly sql: SqlStorage;
  readonly history: RoomHistory;
  readonly presence: PresenceTable;
  /** Wake the object (its alarm) at `time` (or earlier), to forget what is due. */
  wakeAt(time: number): void;
}

/**
 * A sharded room's stream, at its sequencer: every broadcast, `closeAll`, clear and change of presence
 * gets its place in it (a broadcast into a room with history its place in the room's history too), each
 * op once, however often a shard retries it. Entries stay until every shard that receives the stream has
 * applied them (see stream-delivery.ts).
 */
export class SequencerStream {
  readonly #deps: StreamDeps;
  #ready = false;

  constructor(deps: StreamDeps) {
    this.#deps = deps;
  }

  /**
   * Appends an op to the stream (a broadcast into a room with history to the room's history too); returns its place.
   * An op already sequenced (a retry) keeps its place.
   */
  append(op: RoomOp): number {
    this.#prepare();
    const { sql, history, presence } = this.#deps;
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
      entry = this.#presenceEntry(op.room, presence.apply(op.room, op.shard, op.states, op.full, now));
    }
    // An op that changes nothing takes no place of its own: it is placed after all that came before it.
    const seq = entry === null ? this.head() : this.#insert(op.id, entry);
    sql.exec("INSERT INTO hypern_ops (id, seq, at) VALUES (?, ?, ?)", op.id, seq, now);
    this.forgetOps(now);
    // The alarm comes back to forget it, should the room fall quiet.
    this.#deps.wakeAt(now + REMEMBER_OPS_MS);
    return seq;
  }

  /**
   * What forgotten shards still had in the rooms' presence is gone: every shard is told. Returns whether
   * that appended anything.
   */
  shardsForgotten(shards: readonly number[], now: number): boolean {
    let told = false;
    for (const shard of shards) {
      for (const { room, changes } of this.#deps.presence.forgetShard(shard, now)) {
        const entry = this.#presenceEntry(room, changes);
        if (entry !== null) {
          this.#insert(crypto.randomUUID(), entry);
          told = true;
        }
      }
    }
    return told;
  }

  /** The last entry sequenced so far. */
  head(): number {
    this.#prepare();
    return this.#deps.sql.exec<{ next: number }>("SELECT next FROM hypern_sequence").one().next - 1;
  }

  /** The first `limit` entries after `seq`, in order. */
  entriesAfter(seq: number, limit: number): StreamEntry[] {
    this.#prepare();
    return this.#deps.sql
      .exec<EntryRow>(
        "SELECT seq, op, room, kind, text, bytes, exclude, epoch, offset, code, reason FROM hypern_stream WHERE " +
          "seq > ? ORDER BY seq LIMIT ?",
        seq,
        limit,
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

  /** Drops the entries up to `seq`: every shard that receives the stream has applied them. */
  trimThrough(seq: number): void {
    this.#prepare();
    this.#deps.sql.exec("DELETE FROM hypern_stream WHERE seq <= ?", seq);
  }

  /** Forgets the op ids remembered against retries, once that is past their time. */
  forgetOps(now: number): void {
    this.#prepare();
    this.#deps.sql.exec("DELETE FROM hypern_ops WHERE at < ?", now - REMEMBER_OPS_MS);
  }

  /** When the next op id is due to be forgotten, if any. */
  nextDue(): number | null {
    this.#prepare();
    return this.#deps.sql
      .exec<{ due: number | null }>("SELECT MIN(at) + ? AS due FROM hypern_ops", REMEMBER_OPS_MS)
      .one().due;
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
    const frame = changeFrame(room, changes, presenceOf(room)?.countsOnly ?? false, () =>
      this.#deps.presence.states(room),
    );
    return frame === null ? null : { room, kind: "presence", frame, exclude: [], position: null, code: 0, reason: "" };
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
