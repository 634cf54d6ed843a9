import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inSentOrder } from "../../durable-objects/sessions/replay-order.js";
import { SessionStore } from "../../durable-objects/sessions/session-store.js";
import { countingWrites } from "./rows-written.js";

/**
 * Runs against a fresh room object's own SQLite storage; `wake` gives a store as after an eviction (same storage,
 * nothing in memory).
 */
function inStorage(test: (sql: SqlStorage, wake: () => SessionStore) => void): Promise<void> {
  const stub = env.ROOMS.get(env.ROOMS.idFromName(`outbox-unit-${Math.random()}`));
  return runInDurableObject(stub, (_, state) => test(state.storage.sql, () => new SessionStore(state.storage.sql)));
}

const seqs = (store: SessionStore, id: string, after = 0) =>
  store.messages.unacknowledged(id, after).map(({ seq }) => seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a session's direct messages in storage", () => {
  it("writes one row per message kept and none per acknowledgement, for a client that keeps up", async () => {
    await inStorage((sql, wake) => {
      const { sql: counted, rowsWritten } = countingWrites(sql);
      const store = new SessionStore(counted);
      store.create("s", "c", "/r", { data: null, rooms: [] }, null);
      const [kept, acks] = [0, 0].map(() => ({ rows: 0 }));
      for (let seq = 1; seq <= 500; seq++) {
        let before = rowsWritten();
        expect(store.messages.keep("s", `m${seq}`, 0)).toBe(seq);
        kept!.rows += rowsWritten() - before;
        before = rowsWritten();
        // a client a little behind, acknowledging in batches
        if (seq % 5 === 0) store.messages.acknowledged("s", seq - 2);
        acks!.rows += rowsWritten() - before;
      }
      expect(kept!.rows).toBe(500);
      expect(acks!.rows).toBe(0);
      expect(seqs(store, "s")).toEqual([499, 500]);
      expect(store.messages.unacknowledgedBytes("s")).toBe("m499m500".length);
      // After a wake, numbering goes on, and a resume from the client's last message replays what follows it.
      const woken = wake();
      expect(woken.messages.lastSeq("s")).toBe(500);
      expect(seqs(woken, "s", 498)).toEqual([499, 500]);
      // The acknowledgement of 498 came after the last message kept carried one (493) into storage.
      expect(seqs(woken, "s")).toEqual(range(494, 500));
      expect(woken.messages.keep("s", "m501", 0)).toBe(501);
    });
  });

  it(
    "keeps every message of a client far behind (past the ring), in order, across a wake, and lets " +
      "its rows go as it acknowledges",
    async () => {
      await inStorage((sql, wake) => {
        const store = new SessionStore(sql);
        store.create("s", "c", "/r", { data: null, rooms: [] }, null);
        for (let seq = 1; seq <= 300; seq++) store.messages.keep("s", `m${seq}`, 0);
        expect(seqs(store, "s")).toEqual(range(1, 300));
        store.messages.acknowledged("s", 120);
        expect(seqs(store, "s")).toEqual(range(121, 300));
        const woken = wake();
        expect(woken.messages.unacknowledgedCount("s")).toBe(180);
        for (let seq = 301; seq <= 400; seq++) expect(woken.messages.keep("s", `m${seq}`, 0)).toBe(seq);
        expect(woken.messages.unacknowledged("s", 250).map(({ data }) => data)).toEqual(
          range(251, 400).map((seq) => `m${seq}`),
        );
        woken.messages.acknowledged("s", 400);
        expect(woken.messages.unacknowledgedCount("s")).toBe(0);
        expect(woken.messages.unacknowledgedBytes("s")).toBe(0);
        // All acknowledged, every message's own row deleted: the numbering still goes on after another wake.
        const again = wake();
        expect(again.messages.lastSeq("s")).toBe(400);
        expect(again.messages.keep("s", "m401", 0)).toBe(401);
        expect(sql.exec("SELECT COUNT(*) AS n FROM hypern_kept").one().n).toBeLessThanOrEqual(64);
      });
    },
  );

  it("never takes an acknowledgement beyond the last message numbered, and forgets nothing on one", async () => {
    await inStorage((sql) => {
      const store = new SessionStore(sql);
      store.create("s", "c", "/r", { data: null, rooms: [] }, null);
      store.messages.keep("s", "one", 0);
      store.messages.acknowledged("s", 99);
      expect(store.messages.unacknowledgedCount("s")).toBe(0);
      expect(store.messages.keep("s", "two", 0)).toBe(2);
      expect(seqs(store, "s")).toEqual([2]);
    });
  });

  it("keeps what the client acknowledged before its socket went, for the count after a wake", async () => {
    await inStorage((sql, wake) => {
      const store = new SessionStore(sql);
      store.create("s", "c", "/r", { data: null, rooms: [] }, null);
      for (let seq = 1; seq <= 10; seq++) store.messages.keep("s", "x".repeat(100), 0);
      store.messages.acknowledged("s", 10);
      store.detach("s", Date.now() + 60_000);
      expect(wake().messages.unacknowledgedBytes("s")).toBe(0);
    });
  });

  it("keeps a message of a kilobyte in about a kilobyte and a half of the database", async () => {
    await inStorage((sql) => {
      const store = new SessionStore(sql);
      store.create("s", "c", "/r", { data: null, rooms: [] }, null);
      store.messages.keep("s", "warm-up", 0);
      const before = sql.databaseSize;
      for (let seq = 2; seq <= 201; seq++) store.messages.keep("s", "k".repeat(1024), 0);
      expect((sql.databaseSize - before) / 200).toBeLessThan(1_600);
    });
  });

  it("ends with its session, every row gone", async () => {
    await inStorage((sql) => {
      const store = new SessionStore(sql);
      store.create("s", "c", "/r", { data: null, rooms: [] }, null);
      for (let seq = 1; seq <= 100; seq++) store.messages.keep("s", `m${seq}`, 0);
      store.end("s");
      expect(sql.exec("SELECT COUNT(*) AS n FROM hypern_kept").one().n).toBe(0);
    });
  });

  it("takes over the messages an earlier version kept a row each", async () => {
    await inStorage((sql) => {
      sql.exec(
        "CREATE TABLE hypern_sessions (id TEXT PRIMARY KEY, connection TEXT NOT NULL, route TEXT NOT NULL, state " +
          "TEXT NOT NULL, joined TEXT NOT NULL, next_seq INTEGER NOT NULL, expires_at INTEGER, address TEXT, " +
          "kept_bytes INTEGER NOT NULL DEFAULT 0)",
      );
      sql.exec(
        "CREATE TABLE hypern_outbox (session TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT, bytes BLOB, weight " +
          "INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (session, seq))",
      );
      sql.exec(
        `INSERT INTO hypern_sessions VALUES ('s', 'c', '/r', '{"data":null,"rooms":[]}', '{}', 8, NULL, NULL, 6)`,
      );
      for (const seq of [5, 6, 7]) sql.exec("INSERT INTO hypern_outbox VALUES ('s', ?, ?, NULL, 2)", seq, `m${seq}`);
      const store = new SessionStore(sql);
      expect(store.messages.unacknowledged("s", 0).map(({ data }) => data)).toEqual(["m5", "m6", "m7"]);
      expect(store.messages.keep("s", "m8", 0)).toBe(8);
      store.messages.acknowledged("s", 6);
      expect(seqs(store, "s")).toEqual([7, 8]);
      expect(sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'hypern_outbox'").toArray()).toEqual([]);
    });
  });

  it(
    "counts, after taking them over, only the messages an earlier version still kept (it deleted " +
      "those acknowledged)",
    async () => {
      await inStorage((sql) => {
        sql.exec(
          "CREATE TABLE hypern_sessions (id TEXT PRIMARY KEY, connection TEXT NOT NULL, route TEXT NOT NULL, state " +
            "TEXT NOT NULL, joined TEXT NOT NULL, next_seq INTEGER NOT NULL, expires_at INTEGER, address TEXT, " +
            "kept_bytes INTEGER NOT NULL DEFAULT 0)",
        );
        sql.exec(
          "CREATE TABLE hypern_outbox (session TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT, bytes BLOB, weight " +
            "INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (session, seq))",
        );
        // "s": 2,000 messages sent, the client acknowledged all but the last three; "t": 1,500 sent, all acknowledged.
        sql.exec(
          `INSERT INTO hypern_sessions VALUES ('s', 'c', '/r', '{"data":null,"rooms":[]}', '{}', 2001, NULL, NULL, 6)`,
        );
        sql.exec(
          `INSERT INTO hypern_sessions VALUES ('t', 'd', '/r', '{"data":null,"rooms":[]}', '{}', 1501, NULL, NULL, 0)`,
        );
        for (const seq of [1998, 1999, 2000])
          sql.exec("INSERT INTO hypern_outbox VALUES ('s', ?, ?, NULL, 2)", seq, `m${seq}`);
        const store = new SessionStore(sql);
        // maxUnacknowledged is 1,000 by default: a count of all ever sent would close (or end) both sessions at their
        // next message.
        expect(store.messages.unacknowledgedCount("s")).toBe(3);
        expect(store.messages.unacknowledgedCount("t")).toBe(0);
        expect(store.messages.keep("t", "m1501", 0)).toBe(1501);
        expect(store.messages.unacknowledgedCount("t")).toBe(1);
        expect(store.messages.unacknowledgedBytes("s")).toBe(6);
        expect(seqs(store, "s")).toEqual([1998, 1999, 2000]);
      });
    },
  );
});

describe("the order of a resume's replay", () => {
  const broadcasts = (room: string, places: number[]) => places.map((place) => ({ place, frame: `${room}${place}` }));

  it("orders the rooms' broadcasts by place, each direct message right after the last broadcast before it", () => {
    const missed = [...broadcasts("a", [1, 4, 6]), ...broadcasts("b", [2, 3, 7])];
    const directs = [
      { after: 2, frame: "d1" },
      { after: 4, frame: "d2" },
      { after: 4, frame: "d3" },
    ];
    expect(inSentOrder(missed, directs)).toEqual(["a1", "b2", "d1", "b3", "a4", "d2", "d3", "a6", "b7"]);
  });

  it("puts a direct message kept by an earlier version (no place) after every broadcast, as that version did", () => {
    expect(inSentOrder(broadcasts("a", [1, 2]), [{ after: null, frame: "d1" }])).toEqual(["a1", "a2", "d1"]);
  });

  it("gives a kept-messages table of an earlier version the places' column; its messages have none", async () => {
    await inStorage((sql, wake) => {
      const store = new SessionStore(sql);
      store.create("s", "c", "/r", { data: null, rooms: [] }, null);
      store.messages.keep("s", "before", 0);
      sql.exec("ALTER TABLE hypern_kept DROP COLUMN after");
      const woken = wake();
      expect(woken.messages.keep("s", "after", 3)).toBe(2);
      expect(woken.messages.unacknowledged("s", 0).map(({ after }) => after)).toEqual([null, 3]);
    });
  });
});
