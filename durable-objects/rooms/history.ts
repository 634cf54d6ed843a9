import { WebSocketError } from "../connection/errors.js";
import type { LogPosition, LostReason } from "../../src/shared/session-protocol.js";
import type { OutgoingFrame } from "../connection/frames.js";
import { frameColumns } from "../connection/frames.js";

/** How much of its broadcasts a room keeps: the last `limit` entries, at most `maxBytes`, none older than `maxAgeMs`. */
export interface HistoryOptions {
  /** Entries kept, the newest. Default 1000. */
  limit?: number;
  /** Bytes (characters for text) the entries may take in all; the oldest go past it. Default 8 MiB. */
  maxBytes?: number;
  /** Entries older than this many milliseconds are dropped. Default: one day. */
  maxAgeMs?: number;
}

export type ResolvedHistory = Readonly<Required<HistoryOptions>>;

export function resolveHistory(options: HistoryOptions | true): ResolvedHistory {
  const resolved = { limit: 1000, maxBytes: 8 << 20, maxAgeMs: 86_400_000, ...(options === true ? {} : options) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`history.${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return resolved;
}

/** One broadcast as the history keeps it. */
export interface HistoryEntry {
  /** Its place in the room's history, within the history's epoch: 1, 2, 3, ... */
  readonly offset: number;
  /** When it was broadcast (epoch milliseconds). */
  readonly at: number;
  readonly data: string | ArrayBuffer;
}

/** An entry with the connections its broadcast left out (a replay must leave them out too). */
export interface LoggedEntry extends HistoryEntry {
  readonly exclude: readonly string[];
}

/** Which part of a room's history to read: the last entries, or those after a position in its history. */
export interface HistoryQuery {
  /** How many entries, the newest. Default: all the room keeps. */
  last?: number;
  /** Only entries after this position (as a session client reports it). */
  since?: LogPosition;
}

/** A room's history as read: its epoch, and entries oldest first. */
export interface HistoryRead {
  readonly epoch: string;
  readonly entries: HistoryEntry[];
}

/** What a client missed since a position, or why it cannot be told. */
export type MissedSince = { readonly entries: readonly LoggedEntry[] } | { readonly lost: LostReason };

interface EntryRow extends Record<string, SqlStorageValue> {
  offset: number;
  at: number;
  text: string | null;
  bytes: ArrayBuffer | null;
  exclude: string | null;
}

interface Head {
  epoch: string;
  offset: number;
  /** The weight of the entries kept: bytes, characters for text. */
  weight: number;
}

/** Reads a room's history: its last entries, or those after a position; or why those cannot all be given. */
export function readHistory(history: RoomHistory, room: string, options: ResolvedHistory, query: HistoryQuery): HistoryRead | { readonly lost: LostReason } {
  const { epoch } = history.head(room);
  const count = query.last ?? options.limit;
  if (query.since === undefined) return { epoch, entries: history.last(room, count, options) };
  const missed = history.since(room, query.since, options);
  if ("lost" in missed) return missed;
  return { epoch, entries: missed.entries.slice(-count).map(({ offset, at, data }) => ({ offset, at, data })) };
}

/**
 * The histories of the rooms that keep history, in the room object's SQLite storage. Each room's
 * history has an epoch, made when the history starts (anew): offsets count up within it, so a client can
 * tell "I have everything up to offset N" from "the history I knew is gone". An entry is written in the
 * same turn as the broadcast's sends, and the runtime's output gate releases those sends only once the
 * write is durable: no member sees a broadcast the history could lose. Trimming by count, bytes and age
 * reads only the oldest entries (offsets grow with time), so an append costs the same however long the history.
 */
export class RoomHistory {
  readonly #sql: SqlStorage;
  readonly #heads = new Map<string, Head>();
  readonly #wakeAt: (time: number) => void;
  #ready = false;

  /** `wakeAt` asks for the object's alarm by a time: entries reach their age then, and go. */
  constructor(sql: SqlStorage, wakeAt: (time: number) => void = () => undefined) {
    this.#sql = sql;
    this.#wakeAt = wakeAt;
  }

  /** The history's epoch and its last offset (0 when empty). */
  head(room: string): LogPosition {
    const { epoch, offset } = this.#head(room);
    return { epoch, offset };
  }

  /** The history's epoch and last offset if this object has started it; never starts one. */
  knownHead(room: string): LogPosition | undefined {
    if (!this.#heads.has(room)) {
      this.#prepare();
      if (this.#sql.exec("SELECT 1 FROM hypern_log_head WHERE room = ?", room).toArray().length === 0) return undefined;
    }
    return this.head(room);
  }

  /** Appends a broadcast (and whom it left out); returns its place. Trims what the options no longer keep. */
  append(room: string, data: OutgoingFrame, options: ResolvedHistory, exclude: readonly string[] = [], now = Date.now()): LogPosition {
    const head = this.#head(room);
    this.#insert(room, head, head.offset + 1, data, options, exclude, now);
    return { epoch: head.epoch, offset: head.offset };
  }

  /**
   * Copies an entry of a history kept by another object (a sharded room's sequencer) at the same place.
   * The copy holds an unbroken run of the original's entries: when `position` does not follow its
   * last one (another epoch, or entries it never got), it starts again from `position`. Returns true
   * when it did (or when this is its first entry).
   */
  copy(room: string, position: LogPosition, data: OutgoingFrame, options: ResolvedHistory, exclude: readonly string[] = [], now = Date.now()): boolean {
    const known = this.knownHead(room);
    if (known !== undefined && known.epoch === position.epoch && position.offset <= known.offset) return false;
    const restarts = known === undefined || known.epoch !== position.epoch || position.offset !== known.offset + 1;
    if (restarts) this.restart(room, { epoch: position.epoch, offset: position.offset - 1 });
    this.#insert(room, this.#head(room), position.offset, data, options, exclude, now);
    return restarts;
  }

  /** Empties a room's history, its head set to `head` (a copy that starts anew where the original stands). */
  restart(room: string, head: LogPosition): void {
    this.#prepare();
    this.#sql.exec("DELETE FROM hypern_log WHERE room = ?", room);
    this.#sql.exec("INSERT OR REPLACE INTO hypern_log_head (room, epoch, last_offset, weight) VALUES (?, ?, ?, 0)", room, head.epoch, head.offset);
    this.#heads.set(room, { epoch: head.epoch, offset: head.offset, weight: 0 });
  }

  /** Drops every room's history, heads included: copies no one needs any more. */
  dropAll(): void {
    this.#prepare();
    this.#sql.exec("DELETE FROM hypern_log");
    this.#sql.exec("DELETE FROM hypern_log_head");
    this.#heads.clear();
  }

  #insert(room: string, head: Head, offset: number, data: OutgoingFrame, options: ResolvedHistory, exclude: readonly string[], now: number): void {
    const [text, bytes] = frameColumns(data);
    const weight = text === null ? (bytes as ArrayBuffer).byteLength : text.length;
    this.#sql.exec(
      "INSERT INTO hypern_log (room, offset, at, text, bytes, weight, exclude) VALUES (?, ?, ?, ?, ?, ?, ?)",
      room, offset, now, text, bytes, weight, exclude.length === 0 ? null : JSON.stringify(exclude),
    );
    head.offset = offset;
    head.weight += weight;
    this.#trim(room, head, options, now);
    // The oldest entry is at least this young: the alarm comes back for it by this time at the latest.
    this.#wakeAt(now + options.maxAgeMs);
    this.#sql.exec("UPDATE hypern_log_head SET last_offset = ?, weight = ? WHERE room = ?", head.offset, head.weight, room);
  }

  /** The entries after `position`, in order; or why they cannot all be given (another epoch, trimmed). */
  since(room: string, position: LogPosition, options: ResolvedHistory, now = Date.now()): MissedSince {
    const head = this.#head(room);
    if (position.epoch !== head.epoch || position.offset > head.offset) return { lost: "epoch" };
    if (position.offset === head.offset) return { entries: [] };
    const entries = this.#entries("offset > ? AND at >= ?", [position.offset, now - options.maxAgeMs], "ASC", options.limit, room);
    // Complete only if the first kept entry is the one right after the client's position.
    if (entries[0]?.offset !== position.offset + 1) return { lost: "trimmed" };
    return { entries };
  }

  /** The last `count` entries (fewer if the history holds fewer), oldest first. */
  last(room: string, count: number, options: ResolvedHistory, now = Date.now()): HistoryEntry[] {
    this.#prepare();
    return this.#entries("at >= ?", [now - options.maxAgeMs], "DESC", Math.min(count, options.limit), room)
      .reverse()
      .map(({ offset, at, data }) => ({ offset, at, data }));
  }

  /** Drops the history and starts a new epoch: clients that knew the old one are told their gap cannot be filled. */
  clear(room: string): LogPosition {
    this.#prepare();
    this.#sql.exec("DELETE FROM hypern_log WHERE room = ?", room);
    this.#sql.exec("DELETE FROM hypern_log_head WHERE room = ?", room);
    this.#heads.delete(room);
    return this.head(room);
  }

  /**
   * Drops the entries past their room's age (the alarm calls this, so that a quiet room's history goes
   * when it is due, not at its next broadcast); returns when the next entry will be due, if any.
   * `optionsOf` gives each room's options (null for one this isolate has not seen made: left as it is).
   */
  expire(now: number, optionsOf: (room: string) => ResolvedHistory | null): number | null {
    return this.#sweep(optionsOf, now);
  }

  /**
   * Forgets the heads of histories that hold no entry: the next broadcast starts a new epoch. Only
   * for an object no session knows these epochs in (none could resume into a new one unawares).
   */
  dropEmptyHeads(): void {
    if (!this.#ready && !this.#hasTables()) return;
    this.#prepare();
    const empty = this.#sql.exec<{ room: string }>("DELETE FROM hypern_log_head WHERE room NOT IN (SELECT DISTINCT room FROM hypern_log) RETURNING room").toArray();
    for (const { room } of empty) this.#heads.delete(room);
  }

  /** When the next entry will be past its room's age, if any (after a wake, for the alarm). */
  nextExpiry(optionsOf: (room: string) => ResolvedHistory | null): number | null {
    return this.#sweep(optionsOf, null);
  }

  /** Trims each room's history by age at `now` (null: only looks); returns when the next entry is due. */
  #sweep(optionsOf: (room: string) => ResolvedHistory | null, now: number | null): number | null {
    if (!this.#ready && !this.#hasTables()) return null;
    this.#prepare();
    let next: number | null = null;
    for (const { room } of this.#sql.exec<{ room: string }>("SELECT room FROM hypern_log_head").toArray()) {
      const options = optionsOf(room);
      if (options === null) continue;
      if (now !== null) {
        const head = this.#head(room);
        this.#trim(room, head, options, now);
        this.#sql.exec("UPDATE hypern_log_head SET weight = ? WHERE room = ?", head.weight, room);
      }
      const oldest = this.#sql.exec<{ at: number }>("SELECT at FROM hypern_log WHERE room = ? ORDER BY offset LIMIT 1", room).toArray()[0];
      const due = oldest === undefined ? null : oldest.at + options.maxAgeMs;
      if (due !== null && (next === null || due < next)) next = due;
    }
    return next;
  }

  /** Drops the oldest entries while the history holds too many, too much, or too old. */
  #trim(room: string, head: Head, options: ResolvedHistory, now: number): void {
    for (;;) {
      const oldest = this.#sql.exec<{ offset: number; at: number; weight: number }>(
        "SELECT offset, at, weight FROM hypern_log WHERE room = ? ORDER BY offset LIMIT 1", room,
      ).toArray()[0];
      if (oldest === undefined) return;
      const tooMany = oldest.offset <= head.offset - options.limit;
      if (!tooMany && head.weight <= options.maxBytes && oldest.at >= now - options.maxAgeMs) return;
      this.#sql.exec("DELETE FROM hypern_log WHERE room = ? AND offset = ?", room, oldest.offset);
      head.weight -= oldest.weight;
    }
  }

  #head(room: string): Head {
    const known = this.#heads.get(room);
    if (known !== undefined) return known;
    this.#prepare();
    const row = this.#sql.exec<{ epoch: string; last_offset: number; weight: number }>("SELECT epoch, last_offset, weight FROM hypern_log_head WHERE room = ?", room).toArray()[0];
    let head: Head;
    if (row !== undefined) head = { epoch: row.epoch, offset: row.last_offset, weight: row.weight };
    else {
      head = { epoch: crypto.randomUUID(), offset: 0, weight: 0 };
      this.#sql.exec("INSERT INTO hypern_log_head (room, epoch, last_offset, weight) VALUES (?, ?, 0, 0)", room, head.epoch);
    }
    this.#heads.set(room, head);
    return head;
  }

  #entries(where: string, bindings: readonly (number | string)[], order: "ASC" | "DESC", limit: number, room: string): LoggedEntry[] {
    const rows = this.#sql
      .exec<EntryRow>(`SELECT offset, at, text, bytes, exclude FROM hypern_log WHERE room = ? AND ${where} ORDER BY offset ${order} LIMIT ?`, room, ...bindings, limit)
      .toArray();
    return rows.map((row) => ({
      offset: row.offset,
      at: row.at,
      data: row.text ?? (row.bytes as ArrayBuffer),
      exclude: row.exclude === null ? [] : (JSON.parse(row.exclude) as string[]),
    }));
  }

  /** Whether the object has ever kept history (so that an object that has not is not given tables by a sweep). */
  #hasTables(): boolean {
    return this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hypern_log_head'").toArray().length > 0;
  }

  #prepare(): void {
    if (this.#ready) return;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS hypern_log_head (room TEXT PRIMARY KEY, epoch TEXT NOT NULL, last_offset INTEGER NOT NULL, weight INTEGER NOT NULL)`);
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS hypern_log (room TEXT NOT NULL, offset INTEGER NOT NULL, at INTEGER NOT NULL, text TEXT, bytes BLOB, weight INTEGER NOT NULL, exclude TEXT, PRIMARY KEY (room, offset))`,
    );
    this.#ready = true;
  }
}

/** The entries read, or the error that says why those after the query's position cannot all be given. */
export function completeRead(read: HistoryRead | { readonly lost: LostReason }, query: HistoryQuery): HistoryRead {
  if ("lost" in read) throw new WebSocketError(`The room's history since offset ${query.since?.offset} is incomplete (${read.lost})`);
  return read;
}

/** The error for a history asked of a room that keeps none. */
export function noHistory(room: string): WebSocketError {
  return new WebSocketError(`The room "${room}" keeps no history: make it with new WebSocketRoom("${room}", { history: ... })`);
}
