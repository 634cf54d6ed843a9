import type { LogPosition, LostReason } from "../../src/shared/session-protocol.js";
import type { OutgoingFrame } from "../connection/frames.js";
import { freeOwnerNumber, ownerKeys } from "../storage/slot-keys.js";
import type { ResolvedHistory } from "./history-options.js";
import type { HistoryEntry, HistoryQuery, HistoryRead, MissedSince } from "./history-read.js";
import type { HistoryHead } from "./history-ring.js";
import { HistoryRing } from "./history-ring.js";
import { createHistoryTables, hasHistoryTables } from "./history-tables.js";

/**
 * The histories of the rooms that keep history, in the room object's SQLite storage. Each room's
 * history has an epoch, made when it starts (anew): offsets count up within it, so a client can tell
 * "I have everything up to offset N" from "the history I knew is gone". An entry is written in the same
 * turn as the broadcast's sends, and the runtime's output gate releases those sends only once the write
 * is durable: no member sees a broadcast the history could lose.
 *
 * Storage is billed by rows written, so a room's entries are a ring of `limit` slots (offset modulo
 * limit): an entry is written over the one `limit` before it, and a broadcast writes one row
 * (history-ring.ts). The head (the epoch, and the last offset once no entry holds it) is written when a
 * history starts or empties or its limit changes, not per entry; the rest is read back after a wake.
 */
export class RoomHistory {
  readonly #sql: SqlStorage;
  readonly #heads = new Map<string, HistoryHead>();
  readonly #ring: HistoryRing;
  #ready = false;
  /** The place of the last entry written into any room's history here, read back once after a wake. */
  #lastPlace: number | null = null;

  /** `wakeAt` asks for the object's alarm by a time: entries reach their age then, and go. */
  constructor(sql: SqlStorage, wakeAt: (time: number) => void = () => undefined) {
    this.#sql = sql;
    this.#ring = new HistoryRing(sql, wakeAt);
  }
  /** Reads a room's history: its last entries, or those after a position; or why those cannot all be given. */
  read(room: string, options: ResolvedHistory, query: HistoryQuery): HistoryRead | { readonly lost: LostReason } {
    const { epoch } = this.head(room);
    const count = query.last ?? options.limit;
    if (query.since === undefined) return { epoch, entries: this.last(room, count, options) };
    const missed = this.since(room, query.since, options);
    if ("lost" in missed) return missed;
    return { epoch, entries: missed.entries.slice(-count).map(({ offset, at, data }) => ({ offset, at, data })) };
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

  /** Appends a broadcast (and whom it left out); returns its position. Trims what the options no longer keep. */
  append(
    room: string,
    data: OutgoingFrame,
    options: ResolvedHistory,
    exclude: readonly string[] = [],
    now = Date.now(),
  ): LogPosition {
    const head = this.#head(room);
    // From the clock, so that a place comes after every place given before the object last slept, even if their
    // entries are gone since.
    const place = (this.#lastPlace = Math.max(now * 1000, this.lastPlace() + 1));
    this.#ring.put(head, head.offset + 1, place, data, options, exclude, now);
    return { epoch: head.epoch, offset: head.offset };
  }

  /**
   * The place of the last entry written into any room's history here: entries of all rooms are ordered by their
   * places (a broadcast's place comes from the clock here, or is its place in a sharded room's stream in a copy).
   */
  lastPlace(): number {
    if (this.#lastPlace === null) {
      // An object that never kept history is not given its tables for this.
      if (!this.#ready && !hasHistoryTables(this.#sql)) return (this.#lastPlace = 0);
      this.#prepare();
      this.#lastPlace =
        this.#sql.exec<{ place: number | null }>("SELECT MAX(place) AS place FROM hypern_history").one().place ?? 0;
    }
    return this.#lastPlace;
  }

  /**
   * Copies an entry of a history kept by another object (a sharded room's sequencer) at the same position, its
   * `place` the entry's in the room's stream. The copy holds an unbroken run of the original's entries: when
   * `position` does not follow its last one (another epoch, or entries it never got), it starts again from
   * `position`. Returns true when it did (or when this is its first entry).
   */
  copy(
    room: string,
    position: LogPosition,
    place: number,
    data: OutgoingFrame,
    options: ResolvedHistory,
    exclude: readonly string[] = [],
    now = Date.now(),
  ): boolean {
    const known = this.knownHead(room);
    if (known !== undefined && known.epoch === position.epoch && position.offset <= known.offset) return false;
    const restarts = known === undefined || known.epoch !== position.epoch || position.offset !== known.offset + 1;
    if (restarts) this.restart(room, { epoch: position.epoch, offset: position.offset - 1 });
    this.#lastPlace = Math.max(this.lastPlace(), place);
    this.#ring.put(this.#head(room), position.offset, place, data, options, exclude, now);
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
    if (!this.#ready && !hasHistoryTables(this.#sql)) return;
    this.#prepare();
    this.#sql.exec("DELETE FROM hypern_history");
    this.#sql.exec("DELETE FROM hypern_history_head");
    this.#heads.clear();
  }

  /** The entries after `position`, in order; or why they cannot all be given (another epoch, trimmed). */
  since(room: string, position: LogPosition, options: ResolvedHistory, now = Date.now()): MissedSince {
    const head = this.#head(room);
    if (position.epoch !== head.epoch || position.offset > head.offset) return { lost: "epoch" };
    if (position.offset === head.offset) return { entries: [] };
    // No further back than the limit: a history kept by a larger one (before a deploy) holds more.
    const entries = this.#ring.entries(
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
    return this.#ring
      .entries(head, "at >= ?", [now - options.maxAgeMs], "DESC", Math.min(count, options.limit))
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
    if (!this.#ready && !hasHistoryTables(this.#sql)) return;
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
    if (!this.#ready && !hasHistoryTables(this.#sql)) return null;
    this.#prepare();
    let next: number | null = null;
    for (const { room } of this.#sql.exec<{ room: string }>("SELECT room FROM hypern_history_head").toArray()) {
      const options = optionsOf(room);
      if (options === null) continue;
      const head = this.#head(room);
      if (now !== null) this.#ring.trim(head, options, now);
      const oldest = this.#ring.oldest(head);
      const due = oldest === undefined ? null : oldest.at + options.maxAgeMs;
      if (due !== null && (next === null || due < next)) next = due;
    }
    return next;
  }

  #head(room: string): HistoryHead {
    const known = this.#heads.get(room);
    if (known !== undefined) return known;
    this.#prepare();
    const row = this.#sql
      .exec<{ epoch: string; owner: number; last_offset: number; ring: number }>(
        "SELECT epoch, owner, last_offset, ring FROM hypern_history_head WHERE room = ?",
        room,
      )
      .toArray()[0];
    let head: HistoryHead;
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
      this.#ring.measure(head);
    }
    this.#heads.set(room, head);
    return head;
  }

  #prepare(): void {
    if (this.#ready) return;
    createHistoryTables(this.#sql);
    this.#ready = true;
  }
}
