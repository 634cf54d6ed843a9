import { slotKey } from "../../durable-objects/storage/slot-keys.js";
import { Hypern } from "../../src/index.js";
import { objectName } from "../../src/shared/room-address.js";

/**
 * A kept message's session number is its key divided by this (durable-objects/storage/slot-keys.ts);
 * written into the SQL as an integer (a parameter this large is bound as a real: the division would not truncate).
 */
const PER_OWNER = slotKey(1, 0);

/**
 * The abuse scenario's app (scenarios/abuse.ts): an app of its own, since the one limit it sets is the
 * app's. Its room objects hold at most 20 sockets (`maxConnectionsPerRoom`), kept places for
 * resumable sessions included; every other limit and every session option is the library's default.
 */
export const abuse = new Hypern<Env>({ binding: "ABUSE", limits: { maxConnectionsPerRoom: 20 } });

/**
 * A route with sessions (their default options) whose handler echoes each text to its sender with
 * `ws.sendText`: to a session client a direct message, numbered and kept until its client
 * acknowledges it.
 */
export const ABUSE_ROUTE = "/abuse/echo/:room";
abuse.ws(
  ABUSE_ROUTE,
  async (ws) => {
    await ws.accept();
    for await (const text of ws.iterText()) ws.sendText(text);
  },
  { roomObject: ({ params }) => params.room, sessions: true },
);

/** The library's room object for the abuse app, with one RPC method the bench reads its storage with. */
export class AbuseRoom extends abuse.RoomObject {
  /**
   * What this room object keeps in SQLite (the shape scenarios/abuse.ts reads as `AbuseStorage`): rows of each
   * `hypern_*` table, the sessions (resumable: their socket gone, their window open), the direct messages kept past
   * what their client acknowledged, their bytes (characters for text) and the most one session keeps, rows kept for
   * sessions that no longer exist (there should be none), the key-value entries, the database's size, the sockets held
   * and the client addresses sessions were started from.
   */
  storageFigures() {
    const { sql, kv } = this.ctx.storage;
    const tables = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'hypern!_%' ESCAPE '!' ORDER BY name",
      )
      .toArray()
      .map(({ name }) => name);
    const rows: Record<string, number> = {};
    for (const table of tables) rows[table] = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}"`).one().n;
    const has = (table: string): boolean => tables.includes(table);
    const now = Date.now();
    const sessions = has("hypern_sessions")
      ? sql
          .exec<{ sessions: number; resumable: number | null; attached: number | null }>(
            "SELECT COUNT(*) AS sessions, SUM(expires_at IS NOT NULL AND expires_at > ?) AS resumable, " +
              "SUM(expires_at IS NULL) AS attached FROM hypern_sessions",
            now,
          )
          .one()
      : { sessions: 0, resumable: 0, attached: 0 };
    const unacknowledged =
      has("hypern_sessions") && has("hypern_kept")
        ? sql
            .exec<{ messages: number; bytes: number; most: number }>(
              "SELECT COALESCE(SUM(messages), 0) AS messages, COALESCE(SUM(bytes), 0) AS bytes, " +
                "COALESCE(MAX(messages), 0) AS most FROM (" +
                `SELECT COUNT(*) AS messages, SUM(k.weight) AS bytes FROM hypern_kept AS k JOIN hypern_sessions AS ` +
                `s ON s.owner = k.key / ${PER_OWNER} WHERE k.seq > MAX(s.acked, k.acked) GROUP BY s.id)`,
            )
            .one()
        : { messages: 0, bytes: 0, most: 0 };
    const addresses = has("hypern_sessions")
      ? sql
          .exec<{ address: string | null }>("SELECT DISTINCT address FROM hypern_sessions")
          .toArray()
          .map(({ address }) => address ?? "(none)")
      : [];
    // Rows of a session that no longer exists: nothing would ever delete them. A kept message's key holds its session's
    // number.
    const orphans = (table: string, session: string, sessions: string): number =>
      has(table) && has("hypern_sessions")
        ? sql
            .exec<{ n: number }>(
              `SELECT COUNT(*) AS n FROM "${table}" WHERE ${session} NOT IN (SELECT ${sessions} FROM ` +
                `hypern_sessions WHERE ${sessions} IS NOT NULL)`,
            )
            .one().n
        : 0;
    let kvEntries = 0;
    for (const _ of kv.list()) kvEntries += 1;
    return {
      rows,
      sessions: sessions.sessions,
      resumable: sessions.resumable ?? 0,
      attached: sessions.attached ?? 0,
      unacknowledged: unacknowledged.messages,
      unacknowledgedBytes: unacknowledged.bytes,
      unacknowledgedMost: unacknowledged.most,
      orphanRows: orphans("hypern_kept", `key / ${PER_OWNER}`, "owner") + orphans("hypern_inbox", "session", "id"),
      kvEntries,
      databaseSize: sql.databaseSize,
      sockets: this.ctx.getWebSockets().length,
      addresses,
    };
  }
}

/** `GET /control/storage/:room`: what the abuse route's room object `:room` keeps (`storageFigures`); wakes it. */
export async function abuseStorage(env: Env, name: string): Promise<Response> {
  const stub = env.ABUSE.get(env.ABUSE.idFromName(objectName({ group: ABUSE_ROUTE, room: name })));
  return Response.json(await stub.storageFigures());
}
