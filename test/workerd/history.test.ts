import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RoomHistory } from "../../durable-objects/rooms/history.js";
import { resolveHistory } from "../../durable-objects/rooms/history-options.js";
import { countingWrites } from "./rows-written.js";

/** Runs against a fresh room object's own SQLite storage. */
function inStorage<T>(test: (history: RoomHistory) => T): Promise<T> {
  const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-unit-${Date.now()}-${Math.random()}`));
  return runInDurableObject(stub, (_, state) => test(new RoomHistory(state.storage.sql)));
}

describe("a room's log", () => {
  it(
    "keeps the newest entries within its count, its bytes and its age, and says when a position " + "fell out",
    async () => {
      await inStorage((history) => {
        const options = resolveHistory({ limit: 5, maxBytes: 30, maxAgeMs: 1_000 });
        const { epoch } = history.head("r");
        for (let i = 1; i <= 8; i++) history.append("r", `m${i}`, options, [], 10_000 + i);
        expect(history.last("r", 100, options, 10_010).map(({ offset }) => offset)).toEqual([4, 5, 6, 7, 8]); // count
        history.append("r", "x".repeat(25), options, [], 10_020); // bytes: the oldest go until the rest fit in 30
        // 2 + 2 + 25 <= 30
        expect(history.last("r", 100, options, 10_020).map(({ offset }) => offset)).toEqual([7, 8, 9]);
        expect(history.since("r", { epoch, offset: 8 }, options, 10_020)).toMatchObject({ entries: [{ offset: 9 }] });
        expect(history.since("r", { epoch, offset: 3 }, options, 10_020)).toEqual({ lost: "trimmed" });
        history.append("r", "late", options, [], 11_500); // age: the others are over a second old
        expect(history.last("r", 100, options, 11_500).map(({ offset }) => offset)).toEqual([10]);
        expect(history.since("r", { epoch: "another", offset: 1 }, options, 11_500)).toEqual({ lost: "epoch" });
        expect(history.clear("r").epoch).not.toBe(epoch);
      });
    },
  );

  it("gives each entry a place after every earlier one of any room across wakes, even once they are gone", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-places-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      const options = resolveHistory(true);
      const history = new RoomHistory(state.storage.sql);
      expect(history.lastPlace()).toBe(0);
      // Within one millisecond, and the clock going back: each still after the last.
      for (const [room, now] of [
        ["r", 5_000],
        ["q", 5_000],
        ["r", 4_000],
      ] as const)
        history.append(room, `${room}${now}`, options, [], now);
      const places = (room: string) => {
        const missed = history.since(room, { epoch: history.head(room).epoch, offset: 0 }, options, 5_000);
        return "entries" in missed ? missed.entries.map(({ place }) => place) : [];
      };
      expect([...places("r"), ...places("q")]).toEqual([5_000_000, 5_000_002, 5_000_001]);
      const woken = new RoomHistory(state.storage.sql);
      expect(woken.lastPlace()).toBe(5_000_002);
      woken.clear("r");
      woken.clear("q");
      // Every entry gone: a later entry still comes after every place given, by the clock.
      expect(new RoomHistory(state.storage.sql).append("r", "later", options, [], 6_000)).toMatchObject({ offset: 1 });
      expect(new RoomHistory(state.storage.sql).lastPlace()).toBe(6_000_000);
    });
  });

  it("remembers whom each broadcast left out, for replays", async () => {
    await inStorage((history) => {
      const options = resolveHistory(true);
      const { epoch } = history.head("r");
      history.append("r", "to all", options);
      history.append("r", "not to a", options, ["a"]);
      expect(history.since("r", { epoch, offset: 0 }, options)).toMatchObject({
        entries: [
          { offset: 1, data: "to all", exclude: [] },
          { offset: 2, data: "not to a", exclude: ["a"] },
        ],
      });
    });
  });

  it("writes one row per broadcast once the ring is full", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-rows-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      const { sql, rowsWritten } = countingWrites(state.storage.sql);
      const history = new RoomHistory(sql);
      const options = resolveHistory({ limit: 10 });
      for (let i = 1; i <= 25; i++) history.append("r", `m${i}`, options, [], 1_000 + i);
      const before = rowsWritten();
      for (let i = 26; i <= 75; i++) history.append("r", `m${i}`, options, [], 1_000 + i);
      expect(rowsWritten() - before).toBe(50);
      expect(history.last("r", 100, options, 1_075).map(({ offset }) => offset)).toEqual([
        66, 67, 68, 69, 70, 71, 72, 73, 74, 75,
      ]);
    });
  });

  it("keeps an entry of a kilobyte in about a kilobyte and a half of the database", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-size-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      const history = new RoomHistory(state.storage.sql);
      const options = resolveHistory({ limit: 1000 });
      history.append("r", "warm-up", options);
      const before = state.storage.sql.databaseSize;
      for (let i = 0; i < 200; i++) history.append("r", "k".repeat(1024), options);
      expect((state.storage.sql.databaseSize - before) / 200).toBeLessThan(1_600);
    });
  });

  it("keeps an unbroken run when a deploy changes the room's limit, either way", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-limit-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      const small = resolveHistory({ limit: 5 });
      const large = resolveHistory({ limit: 8 });
      const first = new RoomHistory(state.storage.sql);
      const { epoch } = first.head("r");
      for (let i = 1; i <= 12; i++) first.append("r", `m${i}`, small, [], 1_000 + i);
      const grown = new RoomHistory(state.storage.sql); // after a deploy: a new object, the same storage
      for (let i = 13; i <= 20; i++) grown.append("r", `m${i}`, large, [], 1_000 + i);
      expect(grown.since("r", { epoch, offset: 12 }, large, 1_020)).toMatchObject({
        entries: [13, 14, 15, 16, 17, 18, 19, 20].map((offset) => ({ offset })),
      });
      expect(grown.last("r", 100, large, 1_020).map(({ offset }) => offset)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
      const shrunk = new RoomHistory(state.storage.sql);
      // Before its first append, the smaller limit already bounds what a resume is given: all or "trimmed".
      expect(shrunk.since("r", { epoch, offset: 12 }, small, 1_020)).toEqual({ lost: "trimmed" });
      expect(shrunk.since("r", { epoch, offset: 15 }, small, 1_020)).toMatchObject({
        entries: [16, 17, 18, 19, 20].map((offset) => ({ offset })),
      });
      shrunk.append("r", "m21", small, [], 1_021);
      expect(shrunk.last("r", 100, small, 1_021).map(({ data }) => data)).toEqual(["m17", "m18", "m19", "m20", "m21"]);
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM hypern_history").one().n).toBe(5);
    });
  });

  it("takes over the entries an earlier version kept a row each", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-earlier-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      const sql = state.storage.sql;
      sql.exec(
        "CREATE TABLE hypern_log_head (room TEXT PRIMARY KEY, epoch TEXT NOT NULL, last_offset INTEGER NOT NULL)",
      );
      sql.exec(
        "CREATE TABLE hypern_log (room TEXT NOT NULL, offset INTEGER NOT NULL, at INTEGER NOT NULL, text TEXT, " +
          "bytes BLOB, weight INTEGER NOT NULL, exclude TEXT, PRIMARY KEY (room, offset))",
      );
      sql.exec("INSERT INTO hypern_log_head VALUES ('r', 'old-epoch', 3)");
      for (let offset = 4; offset <= 30; offset++)
        sql.exec("INSERT INTO hypern_log VALUES ('r', ?, ?, ?, NULL, 3, NULL)", offset, 1_000 + offset, `m${offset}`);
      const history = new RoomHistory(sql);
      const options = resolveHistory({ limit: 20 });
      expect(history.head("r")).toEqual({ epoch: "old-epoch", offset: 30 });
      expect(history.since("r", { epoch: "old-epoch", offset: 28 }, options, 1_030)).toMatchObject({
        entries: [{ offset: 29, exclude: [] }, { offset: 30 }],
      });
      history.append("r", "m31", options, ["a"], 1_031);
      expect(history.last("r", 100, options, 1_031).map(({ offset }) => offset)).toEqual(
        Array.from({ length: 20 }, (_, i) => 12 + i),
      );
      expect(
        sql.exec("SELECT name FROM sqlite_master WHERE name IN ('hypern_log', 'hypern_log_head')").toArray(),
      ).toEqual([]);
    });
  });

  /** An object whose room `r` an earlier version kept a row per entry: head at `old-epoch` 30, entries 4 to 30. */
  function earlierLayout(sql: SqlStorage): void {
    sql.exec(
      "CREATE TABLE hypern_log_head (room TEXT PRIMARY KEY, epoch TEXT NOT NULL, last_offset INTEGER NOT NULL, " +
        "weight INTEGER NOT NULL)",
    );
    sql.exec(
      "CREATE TABLE hypern_log (room TEXT NOT NULL, offset INTEGER NOT NULL, at INTEGER NOT NULL, text TEXT, bytes " +
        "BLOB, weight INTEGER NOT NULL, exclude TEXT, PRIMARY KEY (room, offset))",
    );
    sql.exec("INSERT INTO hypern_log_head VALUES ('r', 'old-epoch', 30, 81)");
    for (let offset = 4; offset <= 30; offset++)
      sql.exec("INSERT INTO hypern_log VALUES ('r', ?, ?, ?, NULL, 3, NULL)", offset, 1_000 + offset, `m${offset}`);
  }

  it("clears for good a room whose entries an earlier version kept, before anything read them", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-earlier-clear-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      earlierLayout(state.storage.sql);
      const options = resolveHistory({ limit: 20 });
      const history = new RoomHistory(state.storage.sql);
      expect(history.clear("r").epoch).not.toBe("old-epoch");
      expect(history.last("r", 100, options, 1_030)).toEqual([]);
      expect(new RoomHistory(state.storage.sql).last("r", 100, options, 1_030)).toEqual([]);
    });
  });

  it("keeps a shard's copy that starts anew over a room an earlier version kept, across a wake", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-earlier-copy-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      earlierLayout(state.storage.sql);
      const options = resolveHistory({ limit: 20 });
      const copy = new RoomHistory(state.storage.sql);
      for (let offset = 41; offset <= 45; offset++)
        copy.copy("r", { epoch: "new-epoch", offset }, offset, `n${offset}`, options, [], 2_000 + offset);
      expect(copy.head("r")).toEqual({ epoch: "new-epoch", offset: 45 });
      const woken = new RoomHistory(state.storage.sql);
      expect(woken.head("r")).toEqual({ epoch: "new-epoch", offset: 45 });
      expect(woken.last("r", 100, options, 2_045).map(({ data }) => data)).toEqual(["n41", "n42", "n43", "n44", "n45"]);
    });
  });

  it("drops for good the histories of an object an earlier version kept", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-earlier-drop-${Math.random()}`));
    await runInDurableObject(stub, (_, state) => {
      earlierLayout(state.storage.sql);
      new RoomHistory(state.storage.sql).dropAll();
      const woken = new RoomHistory(state.storage.sql);
      expect(woken.knownHead("r")).toBeUndefined();
      expect(woken.last("r", 100, resolveHistory({ limit: 20 }), 1_030)).toEqual([]);
    });
  });
});
