import type { LogPosition } from "../../src/shared/session-protocol.js";
import { addMissingColumns } from "../storage/columns.js";
import { freeOwnerNumber } from "../storage/slot-keys.js";
import { DirectMessages } from "./direct-messages.js";

/** What a session keeps of its connection, to give back when the client resumes. */
export interface SessionState {
  readonly data: unknown;
  readonly rooms: readonly string[];
}

export interface StoredSession {
  readonly id: string;
  /** The connection id (`ws.id`) the session keeps across its sockets. */
  readonly connection: string;
  readonly route: string;
  readonly state: SessionState;
  /** Where each room's history stood when the session joined it: a resume replays from there at the earliest. */
  readonly joined: Readonly<Record<string, LogPosition>>;
  /** When it ends unless resumed; null while a socket holds it. */
  readonly expiresAt: number | null;
}

/** A member whose session can be resumed, its client away: its connection id, data and rooms. */
export interface DroppedMember {
  readonly id: string;
  readonly data: unknown;
  readonly rooms: readonly string[];
}

function droppedMember(row: SessionRow): DroppedMember {
  const { data, rooms } = JSON.parse(row.state) as SessionState;
  return { id: row.connection, data, rooms };
}

interface SessionRow extends Record<string, SqlStorageValue> {
  id: string;
  connection: string;
  route: string;
  state: string;
  joined: string;
  expires_at: number | null;
}

/** Where a session joined a room whose history this object had not seen yet (see `settleJoins`). */
export const NOT_IN_HISTORY_YET: LogPosition = { epoch: "", offset: 0 };

/**
 * How many client message ids a session remembers, to process each once; trimmed every TRIM_EVERY ids of that session.
 */
const REMEMBERED_IDS = 1_000;
const TRIM_EVERY = 100;

/**
 * Sessions in the room object's SQLite storage: each session's connection id, data and rooms, the
 * direct messages not yet acknowledged by its client, and the ids of the client messages it has
 * processed. A session whose socket is gone can be resumed until it expires.
 */
export class SessionStore {
  readonly #sql: SqlStorage;
  /** Per session: ids remembered since its list was last trimmed (none yet: trim at the first). */
  readonly #sinceTrim = new Map<string, number>();
  /** The sessions' direct messages, kept until their clients acknowledge them. */
  readonly messages: DirectMessages;
  #ready = false;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.messages = new DirectMessages(sql, () => this.#prepare());
  }

  /**
   * Starts a session for a client at `address` (null when unknown); `id` must be unguessable (it is the client's
   * credential).
   */
  create(id: string, connection: string, route: string, state: SessionState, address: string | null): string {
    this.#prepare();
    this.#sql.exec(
      "INSERT INTO hypern_sessions (id, connection, route, state, joined, next_seq, expires_at, address, acked, " +
        "owner) VALUES (?, ?, ?, ?, '{}', 1, NULL, ?, 0, ?)",
      id,
      connection,
      route,
      JSON.stringify(state),
      address,
      freeOwnerNumber(this.#sql, "hypern_sessions", "owner"),
    );
    return id;
  }

  /** The session, if it can be resumed now: it exists and has not expired. */
  find(id: string, now: number): StoredSession | undefined {
    this.#prepare();
    const row = this.#sql
      .exec<SessionRow>("SELECT id, connection, route, state, joined, expires_at FROM hypern_sessions WHERE id = ?", id)
      .toArray()[0];
    if (row === undefined) return undefined;
    if (row.expires_at !== null && row.expires_at <= now) {
      this.end(id);
      return undefined;
    }
    return {
      id: row.id,
      connection: row.connection,
      route: row.route,
      state: JSON.parse(row.state) as SessionState,
      joined: JSON.parse(row.joined) as Record<string, LogPosition>,
      expiresAt: row.expires_at,
    };
  }

  /** Whether the session exists and has not expired: it has a socket, or its client may resume it. */
  holds(id: string, now = Date.now()): boolean {
    this.#prepare();
    return (
      this.#sql
        .exec("SELECT 1 FROM hypern_sessions WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)", id, now)
        .toArray().length > 0
    );
  }

  /** The session a connection id carries while its client may resume it (its socket is gone, its window open). */
  resumableOf(connection: string, now = Date.now()): { session: string; route: string } | undefined {
    this.#prepare();
    const row = this.#sql
      .exec<{ id: string; route: string }>(
        "SELECT id, route FROM hypern_sessions WHERE connection = ? AND expires_at > ?",
        connection,
        now,
      )
      .toArray()[0];
    return row === undefined ? undefined : { session: row.id, route: row.route };
  }

  saveState(id: string, state: SessionState): void {
    this.#prepare();
    this.#sql.exec("UPDATE hypern_sessions SET state = ? WHERE id = ?", JSON.stringify(state), id);
  }

  /** The session joined a room that keeps history, whose history then stood at `position` (null: it left). */
  setJoined(id: string, room: string, position: LogPosition | null): void {
    this.#prepare();
    const path = `$.${JSON.stringify(room)}`;
    if (position === null)
      this.#sql.exec("UPDATE hypern_sessions SET joined = json_remove(joined, ?) WHERE id = ?", path, id);
    else
      this.#sql.exec(
        "UPDATE hypern_sessions SET joined = json_set(joined, ?, json(?)) WHERE id = ?",
        path,
        JSON.stringify(position),
        id,
      );
  }

  /**
   * Sessions that joined a room before this object had seen its history (a shard's copy of it starts
   * with the first broadcast it applies) joined at `position`, just before that broadcast.
   */
  settleJoins(room: string, position: LogPosition): void {
    this.#prepare();
    const path = `$.${JSON.stringify(room)}`;
    this.#sql.exec(
      "UPDATE hypern_sessions SET joined = json_set(joined, ?, json(?)) WHERE json_extract(joined, ?) = ?",
      path,
      JSON.stringify(position),
      `${path}.epoch`,
      NOT_IN_HISTORY_YET.epoch,
    );
  }

  /** How many sessions there are (their sockets open or gone), and how many can be resumed now. */
  counts(now: number): { sessions: number; resumable: number } {
    this.#prepare();
    const row = this.#sql
      .exec<{ sessions: number; resumable: number | null }>(
        "SELECT COUNT(*) AS sessions, SUM(expires_at > ?) AS resumable FROM hypern_sessions",
        now,
      )
      .one();
    return { sessions: row.sessions, resumable: row.resumable ?? 0 };
  }

  /** A socket holds the session again; false if the session has ended meanwhile. */
  attach(id: string): boolean {
    this.#prepare();
    return (
      this.#sql.exec("UPDATE hypern_sessions SET expires_at = NULL WHERE id = ? RETURNING id", id).toArray().length > 0
    );
  }

  /**
   * The session's socket is gone: it can be resumed until `expiresAt`. What its client acknowledged is kept with it.
   */
  detach(id: string, expiresAt: number): void {
    this.#prepare();
    const acked = this.messages.heardAcknowledged(id);
    if (acked === undefined) this.#sql.exec("UPDATE hypern_sessions SET expires_at = ? WHERE id = ?", expiresAt, id);
    else this.#sql.exec("UPDATE hypern_sessions SET expires_at = ?, acked = ? WHERE id = ?", expiresAt, acked, id);
  }

  end(id: string): void {
    this.#prepare();
    const owner = this.#sql
      .exec<{ owner: number | null }>("DELETE FROM hypern_sessions WHERE id = ? RETURNING owner", id)
      .toArray()[0]?.owner;
    this.messages.drop(id, owner ?? null);
    this.#sql.exec("DELETE FROM hypern_inbox WHERE session = ?", id);
    this.#sinceTrim.delete(id);
  }

  /** Ends the sessions that have expired; returns how many. */
  sweep(now: number): number {
    this.#prepare();
    const expired = this.#sql
      .exec<{ id: string }>("SELECT id FROM hypern_sessions WHERE expires_at IS NOT NULL AND expires_at <= ?", now)
      .toArray();
    for (const { id } of expired) this.end(id);
    return expired.length;
  }

  /** When the next session expires, if any has a socket no more. */
  nextExpiry(): number | null {
    this.#prepare();
    return this.#sql
      .exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM hypern_sessions WHERE expires_at IS NOT NULL")
      .one().next;
  }

  /**
   * Sessions held by a socket that is gone without a close event (the object was reset) get their
   * expiry: `expiresAt(route)`. `held` gives the connection ids sockets still hold (asked only if a
   * session is held). Returns the sessions found.
   */
  adoptOrphans(held: () => ReadonlySet<string>, expiresAt: (route: string) => number): DroppedMember[] {
    this.#prepare();
    const attached = this.#sql
      .exec<SessionRow>(
        "SELECT id, connection, route, state, joined, expires_at FROM hypern_sessions WHERE expires_at IS NULL",
      )
      .toArray();
    if (attached.length === 0) return [];
    const holding = held();
    const orphans = attached.filter(({ connection }) => !holding.has(connection));
    for (const { id, route } of orphans)
      this.#sql.exec("UPDATE hypern_sessions SET expires_at = ? WHERE id = ?", expiresAt(route), id);
    return orphans.map(droppedMember);
  }

  /** The members whose session can be resumed (their client away), with their data and rooms. */
  dropped(now = Date.now()): DroppedMember[] {
    this.#prepare();
    return this.#sql
      .exec<SessionRow>(
        "SELECT id, connection, route, state, joined, expires_at FROM hypern_sessions WHERE expires_at > ?",
        now,
      )
      .toArray()
      .map(droppedMember);
  }

  /**
   * The sessions that can be resumed (their socket is gone, their window open), those that end
   * soonest first: of one client address, or of any when `address` is undefined.
   */
  resumable(now: number, address?: string | null): string[] {
    this.#prepare();
    const rows =
      address === undefined
        ? this.#sql.exec<{ id: string }>("SELECT id FROM hypern_sessions WHERE expires_at > ? ORDER BY expires_at", now)
        : this.#sql.exec<{ id: string }>(
            "SELECT id FROM hypern_sessions WHERE expires_at > ? AND address IS ? ORDER BY expires_at",
            now,
            address,
          );
    return rows.toArray().map(({ id }) => id);
  }

  /** Whether the session has processed the client's message with this id. */
  processed(id: string, messageId: string): boolean {
    this.#prepare();
    return (
      this.#sql.exec("SELECT 1 FROM hypern_inbox WHERE session = ? AND id = ?", id, messageId).toArray().length > 0
    );
  }

  /** Remembers a processed client message id (the most recent REMEMBERED_IDS per session). */
  remember(id: string, messageId: string, now: number): void {
    this.#prepare();
    this.#sql.exec("INSERT OR IGNORE INTO hypern_inbox (session, id, at) VALUES (?, ?, ?)", id, messageId, now);
    const since = this.#sinceTrim.get(id);
    this.#sinceTrim.set(id, since === undefined ? 0 : (since + 1) % TRIM_EVERY);
    if (since === undefined || since + 1 === TRIM_EVERY) {
      const kept = this.#sql
        .exec<{ rowid: number }>(
          "SELECT rowid FROM hypern_inbox WHERE session = ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
          id,
          REMEMBERED_IDS - 1,
        )
        .toArray()[0];
      if (kept !== undefined)
        this.#sql.exec("DELETE FROM hypern_inbox WHERE session = ? AND rowid < ?", id, kept.rowid);
    }
  }

  #prepare(): void {
    if (this.#ready) return;
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_sessions (id TEXT PRIMARY KEY, connection TEXT NOT NULL, route TEXT NOT " +
        "NULL, state TEXT NOT NULL, joined TEXT NOT NULL, next_seq INTEGER NOT NULL, expires_at INTEGER, address " +
        "TEXT, acked INTEGER NOT NULL DEFAULT 0, owner INTEGER)",
    );
    this.#sql.exec(
      "CREATE INDEX IF NOT EXISTS hypern_sessions_expiry ON hypern_sessions (expires_at) WHERE expires_at IS NOT NULL",
    );
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_inbox (session TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, " +
        "PRIMARY KEY (session, id))",
    );
    // Tables made by an earlier version: sessions knew no address, acknowledgement nor number; kept messages were a row
    // each.
    addMissingColumns(this.#sql, "hypern_sessions", {
      address: "TEXT",
      acked: "INTEGER NOT NULL DEFAULT 0",
      owner: "INTEGER",
    });
    this.messages.createTable();
    this.#ready = true;
  }
}
