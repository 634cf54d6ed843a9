import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RoomHistory, resolveHistory } from "../../durable-objects/rooms/history.js";

/** Runs against a fresh room object's own SQLite storage. */
function inStorage<T>(test: (history: RoomHistory) => T): Promise<T> {
  const stub = env.ROOMS.get(env.ROOMS.idFromName(`history-unit-${Date.now()}-${Math.random()}`));
  return runInDurableObject(stub, (_, state) => test(new RoomHistory(state.storage.sql)));
}

describe("a room's log", () => {
  it("keeps the newest entries within its count, its bytes and its age, and says when a position fell out", async () => {
    await inStorage((history) => {
      const options = resolveHistory({ limit: 5, maxBytes: 30, maxAgeMs: 1_000 });
      const { epoch } = history.head("r");
      for (let i = 1; i <= 8; i++) history.append("r", `m${i}`, options, [], 10_000 + i);
      expect(history.last("r", 100, options, 10_010).map(({ offset }) => offset)).toEqual([4, 5, 6, 7, 8]); // count
      history.append("r", "x".repeat(25), options, [], 10_020); // bytes: the oldest go until the rest fit in 30
      expect(history.last("r", 100, options, 10_020).map(({ offset }) => offset)).toEqual([7, 8, 9]); // 2 + 2 + 25 <= 30
      expect(history.since("r", { epoch, offset: 8 }, options, 10_020)).toMatchObject({ entries: [{ offset: 9 }] });
      expect(history.since("r", { epoch, offset: 3 }, options, 10_020)).toEqual({ lost: "trimmed" });
      history.append("r", "late", options, [], 11_500); // age: the others are over a second old
      expect(history.last("r", 100, options, 11_500).map(({ offset }) => offset)).toEqual([10]);
      expect(history.since("r", { epoch: "another", offset: 1 }, options, 11_500)).toEqual({ lost: "epoch" });
      expect(history.clear("r").epoch).not.toBe(epoch);
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
});
