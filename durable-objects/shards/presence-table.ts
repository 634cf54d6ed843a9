import type { KeyChange, KeyState } from "../rooms/presence.js";

interface Row extends Record<string, SqlStorageValue> {
  key: string;
  live: number;
  away: number;
  data: string | null;
}

/**
 * A sharded room's presence, at its sequencer: what each shard holds of each key (its connected and
 * away members), added up into the room's one presence. Each shard tells its own part as absolute
 * numbers, so a part told twice changes nothing; what changes for the room is told back to every
 * shard through the room's stream, in its one order.
 */
export class PresenceTable {
  readonly #sql: SqlStorage;
  #ready = false;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * A shard's part of some keys of a room (`full`: of all of them, the rest are gone from it); returns
   * what changed for the room as a whole.
   */
  apply(room: string, shard: number, states: readonly KeyState[], full: boolean, now = Date.now()): KeyChange[] {
    this.#prepare();
    const keys = new Set(states.map(({ key }) => key));
    if (full) {
      for (const { key } of this.#sql
        .exec<{ key: string }>("SELECT key FROM hypern_presence WHERE room = ? AND shard = ?", room, shard)
        .toArray())
        keys.add(key);
    }
    const before = new Map([...keys].map((key) => [key, this.#state(room, key)]));
    const told = new Map(states.map((state) => [state.key, state]));
    for (const key of keys) {
      const state = told.get(key);
      if (state === undefined || (state.live === 0 && state.away === 0)) {
        this.#sql.exec("DELETE FROM hypern_presence WHERE room = ? AND key = ? AND shard = ?", room, key, shard);
      } else {
        this.#sql.exec(
          "INSERT OR REPLACE INTO hypern_presence (room, key, shard, live, away, data, at) VALUES (?, ?, ?, ?, ?, " +
            "?, ?)",
          room,
          key,
          shard,
          state.live,
          state.away,
          state.data === undefined ? null : JSON.stringify(state.data),
          now,
        );
      }
    }
    return [...keys].map((key) => ({ before: before.get(key) ?? null, after: this.#state(room, key) }));
  }

  /** A shard holds nothing any more: its parts go (what changes for each room is returned). */
  forgetShard(shard: number, now = Date.now()): { room: string; changes: KeyChange[] }[] {
    this.#prepare();
    const rooms = this.#sql
      .exec<{ room: string }>("SELECT DISTINCT room FROM hypern_presence WHERE shard = ?", shard)
      .toArray();
    return rooms.map(({ room }) => ({ room, changes: this.apply(room, shard, [], true, now) }));
  }

  /** The room's presence, key by key. */
  states(room: string): KeyState[] {
    this.#prepare();
    const keys = this.#sql
      .exec<{ key: string }>("SELECT DISTINCT key FROM hypern_presence WHERE room = ?", room)
      .toArray();
    return keys.map(({ key }) => this.#state(room, key)).filter((state): state is KeyState => state !== null);
  }

  #state(room: string, key: string): KeyState | null {
    const rows = this.#sql
      .exec<Row>(
        "SELECT key, live, away, data FROM hypern_presence WHERE room = ? AND key = ? ORDER BY live > 0 DESC, at DESC",
        room,
        key,
      )
      .toArray();
    if (rows.length === 0) return null;
    const data = (rows[0] as Row).data;
    return {
      key,
      data: data === null ? undefined : JSON.parse(data),
      live: rows.reduce((sum, row) => sum + row.live, 0),
      away: rows.reduce((sum, row) => sum + row.away, 0),
    };
  }

  #prepare(): void {
    if (this.#ready) return;
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS hypern_presence (room TEXT NOT NULL, key TEXT NOT NULL, shard INTEGER NOT NULL, " +
        "live INTEGER NOT NULL, away INTEGER NOT NULL, data TEXT, at INTEGER NOT NULL, PRIMARY KEY (room, key, " +
        "shard))",
    );
    this.#sql.exec("CREATE INDEX IF NOT EXISTS hypern_presence_shard ON hypern_presence (shard)");
    this.#ready = true;
  }
}
