import type { OutgoingFrame } from "../connection/frames.js";
import { frameColumns, weightOf } from "../connection/frames.js";
import { addMissingColumns } from "../storage/columns.js";
import { freeOwnerNumber, MAX_SLOTS, ownerKeys, slotKey } from "../storage/slot-keys.js";

/** A direct message kept until the client acknowledges it. */
export interface KeptMessage {
  readonly seq: number;
  readonly data: string | ArrayBuffer;
  /** The place of the last broadcast before it (see `RoomHistory.lastPlace`); null if kept by an earlier version. */
  readonly after: number | null;
}

/**
 * A session's direct messages are written over a ring of this many slots, a message over the one this
 * many before it once its client has acknowledged that one: a message kept is one row written, its
 * acknowledgement none. A client further behind than this has its messages take rows of their own
 * (deleted as it acknowledges them).
 */
const RING = 64;

/** A session's direct messages: the next number, the last the client acknowledged, what is kept past it. */
interface Outbox {
  /** The session's number: its messages' keys (see storage/slot-keys.ts). */
  owner: number;
  next: number;
  acked: number;
  /** Bytes (characters for text) of the messages after `acked`. */
  keptBytes: number;
  /** How many rows of their own (outside the ring) the messages hold. */
  overflow: number;
}

/**
 * The direct messages of the room object's sessions, each kept until its client acknowledges it, in
 * `hypern_kept`; the session's row (`hypern_sessions`) holds the columns this keeps there: its number
 * (`owner`), the next message's (`next_seq`) and the last acknowledged (`acked`).
 */
export class DirectMessages {
  readonly #sql: SqlStorage;
  /** Makes the sessions' tables, once (they are the session store's). */
  readonly #ready: () => void;
  /** Per session: its direct messages, once read after a wake (see `#outbox`). */
  readonly #outboxes = new Map<string, Outbox>();

  constructor(sql: SqlStorage, ready: () => void) {
    this.#sql = sql;
    this.#ready = ready;
  }

  /** Makes the table of kept messages (the sessions' table made first), and takes over an earlier version's. */
  createTable(): void {
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_kept (key INTEGER PRIMARY KEY, seq INTEGER NOT NULL, text TEXT, bytes " +
        "BLOB, weight INTEGER NOT NULL, acked INTEGER NOT NULL, after INTEGER)",
    );
    addMissingColumns(this.#sql, "hypern_kept", { after: "INTEGER" });
    this.#adoptEarlierOutbox();
  }

  /** What the session's client acknowledged, as far as this object has heard since it woke. */
  heardAcknowledged(id: string): number | undefined {
    return this.#outboxes.get(id)?.acked;
  }

  /** The session ended (`owner`: its number, if it had one): its messages go. */
  drop(id: string, owner: number | null): void {
    if (owner !== null) this.#sql.exec("DELETE FROM hypern_kept WHERE key BETWEEN ? AND ?", ...ownerKeys(owner));
    this.#outboxes.delete(id);
  }

  /**
   * Keeps a direct message until the client acknowledges it, with the place of the last broadcast before it
   * (`after`); returns its number in the session.
   */
  keep(id: string, data: OutgoingFrame, after: number): number {
    const outbox = this.#outbox(id);
    const seq = outbox.next;
    // The ring slot's last message (RING before this one) is acknowledged: write over it. Else a row of its own.
    const slot = seq - RING <= outbox.acked ? seq % RING : RING + seq;
    if (slot >= MAX_SLOTS) throw new Error(`A session may be sent at most ${MAX_SLOTS - RING} direct messages`);
    outbox.next += 1;
    if (slot >= RING) outbox.overflow++;
    const weight = weightOf(data);
    const [text, bytes] = frameColumns(data);
    this.#sql.exec(
      "INSERT OR REPLACE INTO hypern_kept (key, seq, text, bytes, weight, acked, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
      slotKey(outbox.owner, slot),
      seq,
      text,
      bytes,
      weight,
      outbox.acked,
      after,
    );
    outbox.keptBytes += weight;
    return seq;
  }

  /** A message kept earlier comes after the broadcasts up to place `after` (they were applied after it was kept). */
  place(id: string, seq: number, after: number): void {
    const outbox = this.#outbox(id);
    this.#sql.exec(
      "UPDATE hypern_kept SET after = ? WHERE key BETWEEN ? AND ? AND seq = ?",
      after,
      ...ownerKeys(outbox.owner),
      seq,
    );
  }

  /** The last direct message numbered in the session (0 for none). */
  lastSeq(id: string): number {
    return this.#outbox(id).next - 1;
  }

  /** How many direct messages the client has not acknowledged (as far as this object knows: see `#outbox`). */
  unacknowledgedCount(id: string): number {
    const outbox = this.#outbox(id);
    return outbox.next - 1 - outbox.acked;
  }

  /** The bytes (characters for text) of the direct messages the client has not acknowledged. */
  unacknowledgedBytes(id: string): number {
    return this.#outbox(id).keptBytes;
  }

  /**
   * The client has received direct messages up to `seq` (no further than the last numbered). Nothing
   * is written: the slots of the ring are written over later, and the next message kept carries the
   * acknowledgement into storage. Only messages that took rows of their own go now.
   */
  acknowledged(id: string, seq: number): void {
    const outbox = this.#outbox(id);
    const upTo = Math.min(seq, outbox.next - 1);
    if (upTo <= outbox.acked) return;
    outbox.keptBytes -= this.#sql
      .exec<{ weight: number }>(
        "SELECT COALESCE(SUM(weight), 0) AS weight FROM hypern_kept WHERE key BETWEEN ? AND ? AND seq > ? AND seq <= ?",
        ...ownerKeys(outbox.owner),
        outbox.acked,
        upTo,
      )
      .one().weight;
    outbox.acked = upTo;
    if (outbox.overflow === 0) return;
    // The last number given may go with these rows: the session's row keeps it.
    this.#sql.exec("UPDATE hypern_sessions SET next_seq = ?, acked = ? WHERE id = ?", outbox.next, outbox.acked, id);
    const [, last] = ownerKeys(outbox.owner);
    const gone = this.#sql
      .exec(
        "DELETE FROM hypern_kept WHERE key BETWEEN ? AND ? AND seq <= ? RETURNING seq",
        slotKey(outbox.owner, RING),
        last,
        upTo,
      )
      .toArray().length;
    outbox.overflow -= gone;
  }

  /** Direct messages after `afterSeq` the client has not acknowledged, in order. */
  unacknowledged(id: string, afterSeq: number): KeptMessage[] {
    const outbox = this.#outbox(id);
    const from = Math.max(afterSeq, outbox.acked);
    return this.#sql
      .exec<{ seq: number; text: string | null; bytes: ArrayBuffer | null; after: number | null }>(
        "SELECT seq, text, bytes, after FROM hypern_kept WHERE key BETWEEN ? AND ? AND seq > ? ORDER BY seq",
        ...ownerKeys(outbox.owner),
        from,
      )
      .toArray()
      .map((row) => ({ seq: row.seq, data: row.text ?? (row.bytes as ArrayBuffer), after: row.after }));
  }

  /**
   * A session's direct messages as this object knows them, read from storage once after a wake. The
   * last acknowledgement read then is the one the last message kept carried, or the one written when
   * the session's socket went: one heard later and lost in an eviction counts again as unacknowledged
   * until the client's next acknowledgement, which says as much (they are cumulative).
   */
  #outbox(id: string): Outbox {
    const known = this.#outboxes.get(id);
    if (known !== undefined) return known;
    this.#ready();
    const session = this.#sql
      .exec<{ next_seq: number; acked: number; owner: number | null }>(
        "SELECT next_seq, acked, owner FROM hypern_sessions WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (session === undefined) throw new Error(`No session ${id} keeps direct messages here`);
    const owner = session.owner ?? this.#numberSession(id);
    const keys = ownerKeys(owner);
    const kept = this.#sql
      .exec<{ last: number | null; acked: number | null; overflow: number | null }>(
        "SELECT MAX(seq) AS last, MAX(acked) AS acked, SUM(key >= ?) AS overflow FROM hypern_kept WHERE key " +
          "BETWEEN ? AND ?",
        slotKey(owner, RING),
        ...keys,
      )
      .one();
    const acked = Math.max(session.acked, kept.acked ?? 0);
    const keptBytes = this.#sql
      .exec<{ weight: number }>(
        "SELECT COALESCE(SUM(weight), 0) AS weight FROM hypern_kept WHERE key BETWEEN ? AND ? AND seq > ?",
        ...keys,
        acked,
      )
      .one().weight;
    const outbox = {
      owner,
      next: Math.max(session.next_seq, (kept.last ?? 0) + 1),
      acked,
      keptBytes,
      overflow: kept.overflow ?? 0,
    };
    this.#outboxes.set(id, outbox);
    return outbox;
  }

  /** Gives a session made by an earlier version, which had none, its number. */
  #numberSession(id: string): number {
    const owner = freeOwnerNumber(this.#sql, "hypern_sessions", "owner");
    this.#sql.exec("UPDATE hypern_sessions SET owner = ? WHERE id = ?", owner, id);
    return owner;
  }

  /**
   * An earlier version kept each unacknowledged message a row of its own in `hypern_outbox` (next_seq
   * kept in step) and deleted those acknowledged: they move over as such, and what a session's client
   * acknowledged is what comes before the first it kept (all it was sent, when it kept none).
   */
  #adoptEarlierOutbox(): void {
    if (
      this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hypern_outbox'").toArray().length ===
      0
    )
      return;
    addMissingColumns(this.#sql, "hypern_outbox", { weight: "INTEGER NOT NULL DEFAULT 0" });
    this.#sql.exec(
      "UPDATE hypern_sessions SET acked = COALESCE((SELECT MIN(seq) - 1 FROM hypern_outbox WHERE session = " +
        "hypern_sessions.id), next_seq - 1)",
    );
    const keeping = this.#sql
      .exec<{ id: string }>(
        "SELECT id FROM hypern_sessions WHERE owner IS NULL AND id IN (SELECT session FROM hypern_outbox)",
      )
      .toArray();
    for (const { id } of keeping) this.#numberSession(id);
    this.#sql.exec(
      "INSERT INTO hypern_kept (key, seq, text, bytes, weight, acked) SELECT ? * owner + ? + seq, seq, text, " +
        "bytes, weight, 0 FROM hypern_outbox JOIN hypern_sessions ON hypern_sessions.id = hypern_outbox.session",
      slotKey(1, 0),
      RING,
    );
    this.#sql.exec("DROP TABLE hypern_outbox");
  }
}
