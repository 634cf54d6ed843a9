import type { ResolvedShards } from "../../src/shared/route-options.js";
import type { ShardReport } from "./shard-protocol.js";

/** A shard as the sequencer knows it: its open connections (as it last reported) and the last entry it applied. */
export interface ShardRow extends Record<string, SqlStorageValue> {
  shard: number;
  connections: number;
  delivered: number;
}

/**
 * How long a placement counts as on its way to a shard. One that never settles (the Worker's call to the
 * shard failed) stops holding a place, or keeping an empty shard on the stream, after this.
 */
const PLACEMENT_PENDING_MS = 30_000;
/**
 * How long a client address is placed in the shard it was last placed in (longer than a session's window, by default).
 */
const CLIENT_AFFINITY_MS = 10 * 60_000;
/** Upgrades placed in a shard and not yet settled, while the last placement is recent. */
const PENDING = "CASE WHEN placed_at > ? THEN MAX(0, placed - settled) ELSE 0 END";
/**
 * Shards that receive the stream: those that hold open connections or sessions (which may be resumed
 * there, and replay from the shard's copy of the history), or have recently been given a connection that
 * has not settled yet.
 */
const LIVE = `connections > 0 OR sessions > 0 OR ${PENDING} > 0`;

export interface ShardTableDeps {
  readonly sql: SqlStorage;
  readonly options: ResolvedShards;
  /** The last entry of the stream sequenced so far: where a new shard starts. */
  head(): number;
  /** Wake the object (its alarm) at `time` (or earlier), to forget what is due. */
  wakeAt(time: number): void;
}

/**
 * The shards of a sharded room, at its sequencer: what each holds as it last reported, the placements on
 * their way to it, how far it has applied the room's stream; and which shard each client address was last
 * placed in. It places new connections (filling each shard to its cap, lowest first, never a full one) and
 * forgets a shard once it holds nothing.
 */
export class ShardTable {
  readonly #deps: ShardTableDeps;
  #ready = false;

  constructor(deps: ShardTableDeps) {
    this.#deps = deps;
  }

  place(after: number, home?: number, client?: string, now = Date.now()): number {
    this.#prepare();
    const { sql, options } = this.#deps;
    const stale = now - PLACEMENT_PENDING_MS;
    // A resuming session goes to its shard, and a client to the shard it was last placed in, whatever
    // the counts here say (they lag after a reset): the shard itself knows whether it has the session
    // and its place (or the client's own dropped session, to end for it), and refuses as full if not.
    // A new connection takes none of the places shards keep for their resumable sessions.
    this.forgetClients(now);
    const preferred =
      home ??
      (client === undefined
        ? undefined
        : sql.exec<{ shard: number }>("SELECT shard FROM hypern_clients WHERE address = ?", client).toArray()[0]
            ?.shard);
    const open =
      (preferred === undefined || preferred < after
        ? undefined
        : sql.exec<{ shard: number }>("SELECT shard FROM hypern_shards WHERE shard = ?", preferred).toArray()[0]) ??
      sql
        .exec<{ shard: number }>(
          `SELECT shard FROM hypern_shards WHERE shard >= ? AND held + resumable + ${PENDING} < ? ORDER BY shard ` +
            `LIMIT 1`,
          Math.max(0, after),
          stale,
          options.maxConnections,
        )
        .toArray()[0];
    let shard = open?.shard;
    if (shard === undefined) {
      // The lowest index free from `after` on: a shard forgotten when it held nothing is used again.
      shard = sql
        .exec<{ free: number }>(
          "SELECT MIN(candidate) AS free FROM (SELECT ? AS candidate UNION SELECT shard + 1 FROM hypern_shards " +
            "WHERE shard >= ?) WHERE candidate NOT IN (SELECT shard FROM hypern_shards)",
          Math.max(0, after),
          Math.max(0, after),
        )
        .one().free;
      // A new shard starts at the stream's head: nothing before it is for its (future) members.
      sql.exec(
        "INSERT OR IGNORE INTO hypern_shards (shard, connections, held, sessions, resumable, placed, settled, " +
          "placed_at, report, delivered) VALUES (?, 0, 0, 0, 0, 0, 0, 0, 0, ?)",
        shard,
        this.#deps.head(),
      );
    }
    // Placements that never settled, once stale, are forgotten: counting starts again from what settled.
    sql.exec(
      "UPDATE hypern_shards SET placed = (CASE WHEN placed_at > ? THEN placed ELSE settled END) + 1, placed_at = ? " +
        "WHERE shard = ?",
      stale,
      now,
      shard,
    );
    if (client !== undefined) {
      sql.exec("INSERT OR REPLACE INTO hypern_clients (address, shard, at) VALUES (?, ?, ?)", client, shard, now);
      this.#deps.wakeAt(now + CLIENT_AFFINITY_MS);
    }
    // An unsettled placement keeps the shard until it goes stale: the alarm comes back then.
    this.#deps.wakeAt(now + PLACEMENT_PENDING_MS);
    return shard;
  }

  /** Takes a shard's report of what it holds, unless it has a later one already. */
  report(report: ShardReport): void {
    this.#prepare();
    this.#deps.sql.exec(
      "UPDATE hypern_shards SET connections = ?, held = ?, sessions = ?, resumable = ?, settled = MAX(settled, ?), " +
        "report = ? WHERE shard = ? AND report < ?",
      report.open,
      report.held,
      report.sessions,
      report.resumable,
      report.settled,
      report.number,
      report.shard,
      report.number,
    );
  }

  /**
   * Forgets the shards (one, or all) that hold nothing: no connection, socket, session, nor placement
   * on its way. One placed in again later starts anew, at the stream's head, as a new shard does. Returns
   * those it forgot.
   */
  forgetIdle(now: number, shard?: number): number[] {
    this.#prepare();
    const idle = `connections = 0 AND held = 0 AND sessions = 0 AND resumable = 0 AND NOT (${PENDING} > 0)`;
    const forgotten =
      shard === undefined
        ? this.#deps.sql
            .exec<{ shard: number }>(
              `DELETE FROM hypern_shards WHERE ${idle} RETURNING shard`,
              now - PLACEMENT_PENDING_MS,
            )
            .toArray()
        : this.#deps.sql
            .exec<{ shard: number }>(
              `DELETE FROM hypern_shards WHERE shard = ? AND ${idle} RETURNING shard`,
              shard,
              now - PLACEMENT_PENDING_MS,
            )
            .toArray();
    return forgotten.map((row) => row.shard);
  }

  /** Forgets where client addresses were placed, once that is past its time. */
  forgetClients(now: number): void {
    this.#prepare();
    this.#deps.sql.exec("DELETE FROM hypern_clients WHERE at < ?", now - CLIENT_AFFINITY_MS);
  }

  /** When the next client address or unsettled placement is due to be forgotten, if any. */
  nextDue(): number | null {
    this.#prepare();
    return this.#deps.sql
      .exec<{ next: number | null }>(
        "SELECT MIN(due) AS next FROM (SELECT MIN(at) + ? AS due FROM hypern_clients UNION ALL SELECT " +
          "MIN(placed_at) + ? FROM hypern_shards WHERE connections = 0 AND sessions = 0)",
        CLIENT_AFFINITY_MS,
        PLACEMENT_PENDING_MS,
      )
      .one().next;
  }

  /** Every shard, lowest first. */
  all(): ShardRow[] {
    this.#prepare();
    return this.#deps.sql
      .exec<ShardRow>("SELECT shard, connections, delivered FROM hypern_shards ORDER BY shard")
      .toArray();
  }

  /** The shards that receive the stream. */
  live(): ShardRow[] {
    this.#prepare();
    return this.#deps.sql
      .exec<ShardRow>(
        `SELECT shard, connections, delivered FROM hypern_shards WHERE ${LIVE}`,
        Date.now() - PLACEMENT_PENDING_MS,
      )
      .toArray();
  }

  row(shard: number): ShardRow | undefined {
    this.#prepare();
    return this.#deps.sql
      .exec<ShardRow>("SELECT shard, connections, delivered FROM hypern_shards WHERE shard = ?", shard)
      .toArray()[0];
  }

  /** The room's open connections, as its shards last reported them. */
  connections(): number {
    this.#prepare();
    return (
      this.#deps.sql.exec<{ total: number | null }>("SELECT SUM(connections) AS total FROM hypern_shards").one()
        .total ?? 0
    );
  }

  /** A shard has applied the stream up to `seq`. */
  markDelivered(shard: number, seq: number): void {
    this.#prepare();
    this.#deps.sql.exec("UPDATE hypern_shards SET delivered = MAX(delivered, ?) WHERE shard = ?", seq, shard);
  }

  /** The last entry every shard that receives the stream has applied (null when none receives it). */
  lowestDelivered(): number | null {
    this.#prepare();
    return this.#deps.sql
      .exec<{ lowest: number | null }>(
        `SELECT MIN(delivered) AS lowest FROM hypern_shards WHERE ${LIVE}`,
        Date.now() - PLACEMENT_PENDING_MS,
      )
      .one().lowest;
  }

  #prepare(): void {
    if (this.#ready) return;
    const { sql } = this.#deps;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_shards (shard INTEGER PRIMARY KEY, connections INTEGER NOT NULL, held " +
        "INTEGER NOT NULL, sessions INTEGER NOT NULL, resumable INTEGER NOT NULL, placed INTEGER NOT NULL, settled " +
        "INTEGER NOT NULL, placed_at INTEGER NOT NULL, report INTEGER NOT NULL, delivered INTEGER NOT NULL)",
    );
    sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_clients (address TEXT PRIMARY KEY, shard INTEGER NOT NULL, at INTEGER NOT " +
        "NULL)",
    );
    sql.exec("CREATE INDEX IF NOT EXISTS hypern_clients_at ON hypern_clients (at)");
    this.#ready = true;
  }
}
