import type { LogPosition, LostReason } from "../../src/shared/session-protocol.js";
import type { OutgoingFrame } from "../connection/frames.js";
import { frameColumns } from "../connection/frames.js";
import { freeOwnerNumber, ownerKeys, slotKey } from "../storage/slot-keys.js";
import type { ResolvedHistory } from "./history-options.js";
import type { HistoryEntry, HistoryQuery, HistoryRead, LoggedEntry, MissedSince } from "./history-read.js";

interface EntryRow extends Record<string, SqlStorageValue> {
  offset: number;
  at: number;
  text: string | null;
  bytes: ArrayBuffer | null;
  weight: number;
  exclude: string | null;
}

interface Head {
  epoch: string;
  /** The room's number: its entries' keys (see storage/slot-keys.ts). */
  owner: number;
  /** The last offset given (0 when none). */
  offset: number;
  /** The oldest offset kept (offset + 1 when none is): the entries kept run from it to `offset`, unbroken. */
  first: number;
  /**
   * The ring's size, the limit the slots were counted by (0: slots are offsets, as adopted from the earlier layout).
   */
  ring: number;
  /** The weight of the entries kept: bytes, characters for text. */
  weight: number;
}

/** Reads a room's history: its last entries, or those after a position; or why those cannot all be given. */
export function readHistory(
  history: RoomHistory,
  room: string,
  options: ResolvedHistory,
  query: HistoryQuery,
): HistoryRead | { readonly lost: LostReason } {
  const { epoch } = history.head(room);
  const count = query.last ?? options.limit;
  if (query.since === undefined) return { epoch, entries: history.last(room, count, options) };
  const missed = history.since(room, query.since, options);
  if ("lost" in missed) return missed;
  return { epoch, entries: missed.entries.slice(-count).map(({ offset, at, data }) => ({ offset, at, data })) };
}

/**
 * The histories of the rooms that keep history, in the room object's SQLite storage. Each room's
 * history has an epoch, made when it starts (anew): offsets count up within it, so a client can tell
 * "I have everything up to offset N" from "the history I knew is gone". An entry is written in the same
 * turn as the broadcast's sends, and the runtime's output gate releases those sends only once the write
 * is durable: no member sees a broadcast the history could lose.
 *
 * Storage is billed by rows written, so a room's entries are a ring of `limit` slots (offset modulo
 * limit): an entry is written over the one `limit` before it, and a broadcast writes one row. The head
 * (the epoch, and the last offset once no entry holds it) is written when a history starts or empties
 * or its limit changes, not per entry; the rest is read back after a wake.
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
      if (this.#sql.exec("SELECT 1 FROM hypern_history_head WHERE room = ?", room).toArray().length === 0)
        return undefined;
    }
    return this.head(room);
  }

  /** Appends a broadcast (and whom it left out); returns its place. Trims what the options no longer keep. */
  append(
    room: string,
    data: OutgoingFrame,
    options: ResolvedHistory,
    exclude: readonly string[] = [],
    now = Date.now(),
  ): LogPosition {
    const head = this.#head(room);
    this.#put(head, head.offset + 1, data, options, exclude, now);
    return { epoch: head.epoch, offset: head.offset };
  }

  /**
   * Copies an entry of a history kept by another object (a sharded room's sequencer) at the same place.
   * The copy holds an unbroken run of the original's entries: when `position` does not follow its
   * last one (another epoch, or entries it never got), it starts again from `position`. Returns true
   * when it did (or when this is its first entry).
   */
  copy(
    room: string,
    position: LogPosition,
    data: OutgoingFrame,
    options: ResolvedHistory,
    exclude: readonly string[] = [],
    now = Date.now(),
  ): boolean {
    const known = this.knownHead(room);
    if (known !== undefined && known.epoch === position.epoch && position.offset <= known.offset) return false;
    const restarts = known === undefined || known.epoch !== position.epoch || position.offset !== known.offset + 1;
    if (restarts) this.restart(room, { epoch: position.epoch, offset: position.offset - 1 });
    this.#put(this.#head(room), position.offset, data, options, exclude, now);
    return restarts;
  }

  /** Empties a room's history, its head set to `head` (a copy that starts anew where the original stands). */
  restart(room: string, head: LogPosition): void {
    const { owner } = this.#head(room);
    this.#sql.exec("DELETE FROM hypern_history WHERE key BETWEEN ? AND ?", ...ownerKeys(owner));
    this.#sql.exec(
      "UPDATE hypern_history_head SET epoch = ?, last_offset = ?, ring = 0 WHERE room = ?",
      head.epoch,
      head.offset,
      room,
    );
    this.#heads.set(room, {
      epoch: head.epoch,
      owner,
      offset: head.offset,
      first: head.offset + 1,
      ring: 0,
      weight: 0,
    });
  }

  /** Drops every room's history, heads included: copies no one needs any more. */
  dropAll(): void {
    if (!this.#ready && !this.#hasTables()) return;
    this.#prepare();
    this.#sql.exec("DELETE FROM hypern_history");
    this.#sql.exec("DELETE FROM hypern_history_head");
    this.#heads.clear();
  }

  /** Writes an entry into its slot (over the one `limit` before it), then trims what its options no longer keep. */
  #put(
    head: Head,
    offset: number,
    data: OutgoingFrame,
    options: ResolvedHistory,
    exclude: readonly string[],
    now: number,
  ): void {
    const [text, bytes] = frameColumns(data);
    const weight = text === null ? (bytes as ArrayBuffer).byteLength : text.length;
    if (head.ring !== options.limit) this.#reslot(head, options.limit, offset);
    // The ring is full: the entry is written over the oldest, which the history no longer keeps.
    if (offset - options.limit === head.first) {
      head.weight -= this.#oldest(head)?.weight ?? 0;
      head.first += 1;
    }
    this.#sql.exec(
      "INSERT OR REPLACE INTO hypern_history (key, offset, at, text, bytes, weight, exclude) VALUES (?, ?, ?, ?, " +
        "?, ?, ?)",
      slotKey(head.owner, offset % options.limit),
      offset,
      now,
      text,
      bytes,
      weight,
      exclude.length === 0 ? null : JSON.stringify(exclude),
    );
    head.offset = offset;
    head.weight += weight;
    if (head.weight > options.maxBytes) this.#trim(head, options, now);
    // The oldest entry is at least this young: the alarm comes back for it by this time at the latest.
    this.#wakeAt(now + options.maxAgeMs);
  }

  /** The entries after `position`, in order; or why they cannot all be given (another epoch, trimmed). */
  since(room: string, position: LogPosition, options: ResolvedHistory, now = Date.now()): MissedSince {
    const head = this.#head(room);
    if (position.epoch !== head.epoch || position.offset > head.offset) return { lost: "epoch" };
    if (position.offset === head.offset) return { entries: [] };
    // No further back than the limit: a history kept by a larger one (before a deploy) holds more.
    const entries = this.#entries(
      head,
      "offset > ? AND offset > ? AND at >= ?",
      [position.offset, head.offset - options.limit, now - options.maxAgeMs],
      "ASC",
      options.limit,
    );
    // Complete only if the first kept entry is the one right after the client's position.
    if (entries[0]?.offset !== position.offset + 1) return { lost: "trimmed" };
    return { entries };
  }

  /** The last `count` entries (fewer if the history holds fewer), oldest first. */
  last(room: string, count: number, options: ResolvedHistory, now = Date.now()): HistoryEntry[] {
    const head = this.#head(room);
    return this.#entries(head, "at >= ?", [now - options.maxAgeMs], "DESC", Math.min(count, options.limit))
      .reverse()
      .map(({ offset, at, data }) => ({ offset, at, data }));
  }

  /** Drops the history and starts a new epoch: clients that knew the old one are told their gap cannot be filled. */
  clear(room: string): LogPosition {
    const { owner } = this.#head(room);
    this.#sql.exec("DELETE FROM hypern_history WHERE key BETWEEN ? AND ?", ...ownerKeys(owner));
    this.#sql.exec("DELETE FROM hypern_history_head WHERE room = ?", room);
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
    for (const { room, owner } of this.#sql
      .exec<{ room: string; owner: number }>("SELECT room, owner FROM hypern_history_head")
      .toArray()) {
      if (
        this.#sql.exec("SELECT 1 FROM hypern_history WHERE key BETWEEN ? AND ? LIMIT 1", ...ownerKeys(owner)).toArray()
          .length > 0
      )
        continue;
      this.#sql.exec("DELETE FROM hypern_history_head WHERE room = ?", room);
      this.#heads.delete(room);
    }
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
    for (const { room } of this.#sql.exec<{ room: string }>("SELECT room FROM hypern_history_head").toArray()) {
      const options = optionsOf(room);
      if (options === null) continue;
      const head = this.#head(room);
      if (now !== null) this.#trim(head, options, now);
      const oldest = this.#oldest(head);
      const due = oldest === undefined ? null : oldest.at + options.maxAgeMs;
      if (due !== null && (next === null || due < next)) next = due;
    }
    return next;
  }

  /**
   * Drops the oldest entries while the history holds too much, or too old (too many cannot be: the
   * ring holds `limit`).
   */
  #trim(head: Head, options: ResolvedHistory, now: number): void {
    for (;;) {
      const oldest = this.#oldest(head);
      if (oldest === undefined || (head.weight <= options.maxBytes && oldest.at >= now - options.maxAgeMs)) break;
      this.#dropOldest(head);
    }
  }

  /** The oldest entry kept, if any. */
  #oldest(head: Head): { at: number; weight: number } | undefined {
    if (head.first > head.offset) return undefined;
    return this.#sql
      .exec<{ at: number; weight: number }>(
        "SELECT at, weight FROM hypern_history WHERE key = ?",
        this.#keyOf(head, head.first),
      )
      .toArray()[0];
  }

  /** Drops the oldest entry kept. The head keeps the last offset first, should no entry hold it any more. */
  #dropOldest(head: Head): void {
    const gone = this.#sql
      .exec<{ weight: number }>(
        "DELETE FROM hypern_history WHERE key = ? RETURNING weight",
        this.#keyOf(head, head.first),
      )
      .toArray()[0];
    head.weight -= gone?.weight ?? 0;
    head.first += 1;
    if (head.first > head.offset)
      this.#sql.exec("UPDATE hypern_history_head SET last_offset = ? WHERE owner = ?", head.offset, head.owner);
  }

  /** Where an entry kept is: its slot in the ring (or, adopted from the earlier layout, its offset). */
  #keyOf(head: Head, offset: number): number {
    return slotKey(head.owner, head.ring === 0 ? offset : offset % head.ring);
  }

  /**
   * Counts a room's slots by a new limit (a deploy changed it, or the entries came from the earlier
   * layout, or a copy started anew): the entries the new ring cannot hold before `offset` go, the rest
   * move to their slots.
   */
  #reslot(head: Head, limit: number, offset: number): void {
    const [first, last] = ownerKeys(head.owner);
    this.#sql.exec("DELETE FROM hypern_history WHERE key BETWEEN ? AND ? AND offset <= ?", first, last, offset - limit);
    // Through negative keys, so that no row takes a key another still holds.
    this.#sql.exec(
      "UPDATE hypern_history SET key = -1 - (? + offset % ?) WHERE key BETWEEN ? AND ?",
      first,
      limit,
      first,
      last,
    );
    this.#sql.exec("UPDATE hypern_history SET key = -1 - key WHERE key BETWEEN ? AND ?", -1 - last, -1 - first);
    this.#sql.exec(
      "UPDATE hypern_history_head SET ring = ?, last_offset = ? WHERE owner = ?",
      limit,
      head.offset,
      head.owner,
    );
    head.ring = limit;
    this.#measure(head);
  }

  /** Reads back what the head does not write: the oldest offset kept, the last, and the weight. */
  #measure(head: Head): void {
    const kept = this.#sql
      .exec<{ first: number | null; last: number | null; weight: number | null }>(
        "SELECT MIN(offset) AS first, MAX(offset) AS last, SUM(weight) AS weight FROM hypern_history WHERE key " +
          "BETWEEN ? AND ?",
        ...ownerKeys(head.owner),
      )
      .one();
    head.offset = Math.max(head.offset, kept.last ?? 0);
    head.first = kept.first ?? head.offset + 1;
    head.weight = kept.weight ?? 0;
  }

  #head(room: string): Head {
    const known = this.#heads.get(room);
    if (known !== undefined) return known;
    this.#prepare();
    const row = this.#sql
      .exec<{ epoch: string; owner: number; last_offset: number; ring: number }>(
        "SELECT epoch, owner, last_offset, ring FROM hypern_history_head WHERE room = ?",
        room,
      )
      .toArray()[0];
    let head: Head;
    if (row === undefined) {
      head = {
        epoch: crypto.randomUUID(),
        owner: freeOwnerNumber(this.#sql, "hypern_history_head", "owner"),
        offset: 0,
        first: 1,
        ring: 0,
        weight: 0,
      };
      this.#sql.exec(
        "INSERT INTO hypern_history_head (room, owner, epoch, last_offset, ring) VALUES (?, ?, ?, 0, 0)",
        room,
        head.owner,
        head.epoch,
      );
    } else {
      head = {
        epoch: row.epoch,
        owner: row.owner,
        offset: row.last_offset,
        first: row.last_offset + 1,
        ring: row.ring,
        weight: 0,
      };
      this.#measure(head);
    }
    this.#heads.set(room, head);
    return head;
  }

  #entries(
    head: Head,
    where: string,
    bindings: readonly (number | string)[],
    order: "ASC" | "DESC",
    limit: number,
  ): LoggedEntry[] {
    const rows = this.#sql
      .exec<EntryRow>(
        `SELECT offset, at, text, bytes, weight, exclude FROM hypern_history WHERE key BETWEEN ? AND ? AND ` +
          `${where} ORDER BY offset ${order} LIMIT ?`,
        ...ownerKeys(head.owner),
        ...bindings,
        limit,
      )
      .toArray();
    return rows.map((row) => ({
      offset: row.offset,
      at: row.at,
      data: row.text ?? (row.bytes as ArrayBuffer),
      exclude: row.exclude === null ? [] : (JSON.parse(row.exclude) as string[]),
    }));
  }

  /**
   * An earlier version kept each entry as a row of its own (`hypern_log`, `hypern_log_head`): every
   * room's entries and head move over at once (a room already started in the new tables keeps its own),
   * each entry in the slot of its offset until the next append counts the slots by the room's limit
   * (`#reslot`); then the earlier tables go, so that nothing of them comes back over later changes.
   */
  #adoptEarlierTables(): void {
    if (
      this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hypern_log_head'").toArray()
        .length === 0
    )
      return;
    const heads = this.#sql
      .exec<{ room: string; epoch: string; last_offset: number }>(
        "SELECT room, epoch, last_offset FROM hypern_log_head",
      )
      .toArray();
    for (const { room, epoch, last_offset } of heads) {
      if (this.#sql.exec("SELECT 1 FROM hypern_history_head WHERE room = ?", room).toArray().length > 0) continue;
      const owner = freeOwnerNumber(this.#sql, "hypern_history_head", "owner");
      this.#sql.exec(
        "INSERT INTO hypern_history_head (room, owner, epoch, last_offset, ring) VALUES (?, ?, ?, ?, 0)",
        room,
        owner,
        epoch,
        last_offset,
      );
      this.#sql.exec(
        "INSERT INTO hypern_history (key, offset, at, text, bytes, weight, exclude) SELECT ? + offset, offset, at, " +
          "text, bytes, weight, exclude FROM hypern_log WHERE room = ?",
        slotKey(owner, 0),
        room,
      );
    }
    this.#sql.exec("DROP TABLE IF EXISTS hypern_log");
    this.#sql.exec("DROP TABLE hypern_log_head");
  }

  /** Whether the object has ever kept history (so that an object that has not is not given tables by a sweep). */
  #hasTables(): boolean {
    return (
      this.#sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ('hypern_history_head', 'hypern_log_head')")
        .toArray().length > 0
    );
  }

  #prepare(): void {
    if (this.#ready) return;
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_history_head (room TEXT PRIMARY KEY, owner INTEGER NOT NULL UNIQUE, epoch " +
        "TEXT NOT NULL, last_offset INTEGER NOT NULL, ring INTEGER NOT NULL)",
    );
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_history (key INTEGER PRIMARY KEY, offset INTEGER NOT NULL, at INTEGER NOT " +
        "NULL, text TEXT, bytes BLOB, weight INTEGER NOT NULL, exclude TEXT)",
    );
    this.#adoptEarlierTables();
    this.#ready = true;
  }
}
