import type { OutgoingFrame } from "../connection/frames.js";
import { frameColumns } from "../connection/frames.js";
import { ownerKeys, slotKey } from "../storage/slot-keys.js";
import type { ResolvedHistory } from "./history-options.js";
import type { LoggedEntry } from "./history-read.js";

interface EntryRow extends Record<string, SqlStorageValue> {
  offset: number;
  at: number;
  text: string | null;
  bytes: ArrayBuffer | null;
  weight: number;
  exclude: string | null;
  place: number;
}

/**
 * Where a room's history stands. Its row in `hypern_history_head` keeps what its entries cannot tell (the
 * epoch, the number, the ring's size, the last offset once no entry holds it); the rest is read back after a wake.
 */
export interface HistoryHead {
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

/**
 * The entries of the rooms' histories, each room's a ring of `limit` slots (offset modulo limit): an entry
 * is written over the one `limit` before it, so a broadcast writes one row; the oldest go past the
 * history's weight and age. A head's row is written here only when its history empties or its limit
 * changes, not per entry.
 */
export class HistoryRing {
  readonly #sql: SqlStorage;
  readonly #wakeAt: (time: number) => void;

  /** `wakeAt` asks for the object's alarm by a time: an entry written reaches its age then, and goes. */
  constructor(sql: SqlStorage, wakeAt: (time: number) => void) {
    this.#sql = sql;
    this.#wakeAt = wakeAt;
  }

  /**
   * Writes an entry into its slot (over the one `limit` before it), with its place among every room's entries, then
   * trims what its options no longer keep.
   */
  put(
    head: HistoryHead,
    offset: number,
    place: number,
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
      head.weight -= this.oldest(head)?.weight ?? 0;
      head.first += 1;
    }
    this.#sql.exec(
      "INSERT OR REPLACE INTO hypern_history (key, offset, at, text, bytes, weight, exclude, place) VALUES (?, ?, ?, " +
        "?, ?, ?, ?, ?)",
      slotKey(head.owner, offset % options.limit),
      offset,
      now,
      text,
      bytes,
      weight,
      exclude.length === 0 ? null : JSON.stringify(exclude),
      place,
    );
    head.offset = offset;
    head.weight += weight;
    if (head.weight > options.maxBytes) this.trim(head, options, now);
    // The oldest entry is at least this young: the alarm comes back for it by this time at the latest.
    this.#wakeAt(now + options.maxAgeMs);
  }

  /**
   * Drops the oldest entries while the history holds too much, or too old (too many cannot be: the
   * ring holds `limit`).
   */
  trim(head: HistoryHead, options: ResolvedHistory, now: number): void {
    for (;;) {
      const oldest = this.oldest(head);
      if (oldest === undefined || (head.weight <= options.maxBytes && oldest.at >= now - options.maxAgeMs)) break;
      this.#dropOldest(head);
    }
  }

  /** The oldest entry kept, if any. */
  oldest(head: HistoryHead): { at: number; weight: number } | undefined {
    if (head.first > head.offset) return undefined;
    return this.#sql
      .exec<{ at: number; weight: number }>(
        "SELECT at, weight FROM hypern_history WHERE key = ?",
        this.#keyOf(head, head.first),
      )
      .toArray()[0];
  }

  /** Reads back what the head does not write: the oldest offset kept, the last, and the weight. */
  measure(head: HistoryHead): void {
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

  /** The entries kept that match `where`, by offset in `order`, at most `limit`. */
  entries(
    head: HistoryHead,
    where: string,
    bindings: readonly (number | string)[],
    order: "ASC" | "DESC",
    limit: number,
  ): LoggedEntry[] {
    const rows = this.#sql
      .exec<EntryRow>(
        `SELECT offset, at, text, bytes, weight, exclude, COALESCE(place, 0) AS place FROM hypern_history WHERE key ` +
          `BETWEEN ? AND ? AND ` +
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
      place: row.place,
    }));
  }

  /** Drops the oldest entry kept. The head keeps the last offset first, should no entry hold it any more. */
  #dropOldest(head: HistoryHead): void {
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
  #keyOf(head: HistoryHead, offset: number): number {
    return slotKey(head.owner, head.ring === 0 ? offset : offset % head.ring);
  }

  /**
   * Counts a room's slots by a new limit (a deploy changed it, or the entries came from the earlier
   * layout, or a copy started anew): the entries the new ring cannot hold before `offset` go, the rest
   * move to their slots.
   */
  #reslot(head: HistoryHead, limit: number, offset: number): void {
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
    this.measure(head);
  }
}
