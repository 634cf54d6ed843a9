import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RoomHistory } from "../../durable-objects/rooms/history.js";
import { Sequencer } from "../../durable-objects/shards/sequencer.js";
import type { ShardMemberInfo, ShardRpc, StreamEntry } from "../../durable-objects/shards/shard-protocol.js";

/** A shard as the sequencer sees it over RPC: this one fails its first `failures` deliveries. */
class FlakyShard implements ShardRpc {
  readonly applied: number[] = [];
  constructor(public failures: number) {}
  shardDeliver(entries: readonly StreamEntry[]): number {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error("network connection lost");
    }
    for (const { seq } of entries) if (seq > (this.applied.at(-1) ?? 0)) this.applied.push(seq);
    return this.applied.at(-1) ?? 0;
  }
  shardSize(): number {
    return 0;
  }
  shardMembers(): ShardMemberInfo[] {
    return [];
  }
  shardSend(): boolean {
    return false;
  }
  shardCloseMember(): void {}
}

interface SequencerHooks {
  wakeAt?: (time: number) => void;
  warn?: (message: string) => void;
  /** Where the sequencer's queries go, instead of the object's storage itself. */
  sql?: SqlStorage;
}

/** A sequencer in a real object's storage, its shards all `shard` (or each `shard(index)`). */
function sequencerIn(
  state: DurableObjectState,
  maxConnections: number,
  shard: ShardRpc | ((index: number) => ShardRpc),
  hooks: SequencerHooks = {},
): Sequencer {
  return new Sequencer({
    sql: hooks.sql ?? state.storage.sql,
    history: new RoomHistory(state.storage.sql),
    options: { maxConnections },
    shard: typeof shard === "function" ? shard : () => shard,
    wakeAt: hooks.wakeAt ?? (() => undefined),
    warn: hooks.warn ?? (() => undefined),
  });
}

describe("the sequencer (in a real object's SQLite storage)", () => {
  it("retries a shard that cannot be reached, reports it, and delivers everything once it can be", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`sequencer-unit-${Date.now()}`));
    await runInDurableObject(stub, async (_, state) => {
      const shard = new FlakyShard(2);
      const warnings: string[] = [];
      const wakes: number[] = [];
      const sequencer = sequencerIn(state, 10, shard, {
        wakeAt: (time) => wakes.push(time),
        warn: (message) => warnings.push(message),
      });
      expect(sequencer.place(0)).toBe(0);
      sequencer.report({ shard: 0, number: 1, open: 1, held: 1, sessions: 0, resumable: 0, settled: 1 });
      for (let i = 0; i < 3; i++)
        sequencer.submit([{ kind: "broadcast", id: `p${i}`, room: null, frame: `m${i}`, exclude: [] }]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warnings).toEqual([
        expect.stringMatching(
          /^shard 0 could not be reached \(attempt 1: network connection lost\); retrying in 250 ms$/,
        ),
      ]);
      expect(sequencer.shards()).toEqual([
        { shard: 0, connections: 1, delivered: 0, failing: "network connection lost" },
      ]);
      expect(wakes.length).toBeGreaterThan(0);
      sequencer.retry(Date.now() + 60_000); // the alarm
      await new Promise((resolve) => setTimeout(resolve, 10));
      sequencer.retry(Date.now() + 60_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warnings).toHaveLength(2);
      expect(shard.applied).toEqual([1, 2, 3]);
      expect(sequencer.shards()).toEqual([{ shard: 0, connections: 1, delivered: 3, failing: null }]);
    });
  });

  it(
    "fills shards to their cap, lowest first, never past it, and starts a new shard at the stream's " + "head",
    async () => {
      const stub = env.ROOMS.get(env.ROOMS.idFromName(`sequencer-place-${Date.now()}`));
      await runInDurableObject(stub, (_, state) => {
        const sequencer = sequencerIn(state, 2, new FlakyShard(0));
        expect([sequencer.place(0), sequencer.place(0), sequencer.place(0)]).toEqual([0, 0, 1]);
        // one of shard 0's two left
        sequencer.report({ shard: 0, number: 1, open: 1, held: 1, sessions: 0, resumable: 0, settled: 2 });
        expect(sequencer.place(0)).toBe(0);
        expect(sequencer.place(0)).toBe(1);
        expect(sequencer.place(2)).toBe(2); // the Worker asks past a shard that said it was full
      });
    },
  );

  it("counts closing sockets against a shard's cap, and ignores a report older than one it has", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`sequencer-reports-${Date.now()}`));
    await runInDurableObject(stub, (_, state) => {
      const sequencer = sequencerIn(state, 2, new FlakyShard(0));
      expect([sequencer.place(0), sequencer.place(0)]).toEqual([0, 0]);
      // Both settled; none open, but two sockets the shard is still closing: it is full.
      sequencer.report({ shard: 0, number: 2, open: 0, held: 2, sessions: 0, resumable: 0, settled: 2 });
      // a late retry of an older report
      sequencer.report({ shard: 0, number: 1, open: 0, held: 0, sessions: 0, resumable: 0, settled: 1 });
      expect(sequencer.shards()).toEqual([{ shard: 0, connections: 0, delivered: 0, failing: null }]);
      expect(sequencer.place(0)).toBe(1);
      // Holding nothing, and no placement on its way: shard 0 is forgotten (placed in again, it would start anew).
      sequencer.report({ shard: 0, number: 3, open: 0, held: 0, sessions: 0, resumable: 0, settled: 2 });
      expect(sequencer.shards().map(({ shard }) => shard)).toEqual([1]);
      expect(sequencer.place(0)).toBe(1);
    });
  });

  it("forgets placements that never settle (the Worker's call to the shard failed) once they are stale", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`sequencer-stale-${Date.now()}`));
    await runInDurableObject(stub, async (_, state) => {
      const shard = new FlakyShard(0);
      const sequencer = sequencerIn(state, 2, shard);
      const longAgo = Date.now() - 60_000;
      expect([
        sequencer.place(0, undefined, undefined, longAgo),
        sequencer.place(0, undefined, undefined, longAgo),
      ]).toEqual([0, 0]);
      // Neither settled: a minute later, shard 0 neither holds their places nor receives the stream.
      sequencer.submit([{ kind: "broadcast", id: "p1", room: null, frame: "to nobody", exclude: [] }]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(shard.applied).toEqual([]);
      expect([sequencer.place(0), sequencer.place(0), sequencer.place(0)]).toEqual([0, 0, 1]);
      // Recent placements do make shard 0 a receiver, from the stream's head on.
      sequencer.submit([{ kind: "broadcast", id: "p2", room: null, frame: "to the newcomers", exclude: [] }]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(shard.applied).toEqual([2]);
    });
  });

  it(
    "keeps the stream until every shard has applied it, and reads each shard's row a few times per " +
      "broadcast, not once per shard",
    async () => {
      const stub = env.ROOMS.get(env.ROOMS.idFromName(`sequencer-trim-${Date.now()}`));
      await runInDurableObject(stub, async (_, state) => {
        const count = 60;
        const shards = Array.from({ length: count }, (_, index) => new FlakyShard(index === count - 1 ? 1 : 0));
        const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
        const counting = {
          exec: (query: string, ...bindings: unknown[]) => {
            const cursor = state.storage.sql.exec(query, ...bindings);
            cursors.push(cursor);
            return cursor;
          },
        };
        const sequencer = sequencerIn(state, 1, (index) => shards[index] as FlakyShard, {
          sql: counting as unknown as SqlStorage,
        });
        for (let i = 0; i < count; i++) expect(sequencer.place(0)).toBe(i);
        const streamLength = (): number =>
          state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM hypern_stream").one().n;

        cursors.length = 0;
        sequencer.submit([{ kind: "broadcast", id: "p1", room: null, frame: "one", exclude: [] }]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        const rowsRead = cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0);
        // Trimming after each shard's delivery read all 60 rows each time: 3,600 and more.
        expect(rowsRead).toBeLessThan(count * 15);
        expect(shards.slice(0, -1).every((shard) => shard.applied.join() === "1")).toBe(true);
        expect(streamLength()).toBe(1); // the last shard failed: its entry is kept for the retry

        sequencer.submit([{ kind: "broadcast", id: "p2", room: null, frame: "two", exclude: [] }]);
        sequencer.retry(Date.now() + 60_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(shards.every((shard) => shard.applied.join() === "1,2")).toBe(true);
        expect(streamLength()).toBe(0);
      });
    },
  );

  it(
    "keeps a place in a shard for each session that can be resumed there, and sends that session's " + "resume there",
    async () => {
      const stub = env.ROOMS.get(env.ROOMS.idFromName(`sequencer-home-${Date.now()}`));
      await runInDurableObject(stub, (_, state) => {
        const sequencer = sequencerIn(state, 2, new FlakyShard(0));
        expect([sequencer.place(0), sequencer.place(0)]).toEqual([0, 0]);
        // One of shard 0's two clients dropped: its session can be resumed there.
        sequencer.report({ shard: 0, number: 1, open: 1, held: 1, sessions: 2, resumable: 1, settled: 2 });
        expect(sequencer.place(0)).toBe(1); // a new connection does not take the kept place
        // the session's resume goes home: the shard knows whether it has the place
        expect(sequencer.place(0, 0)).toBe(0);
        expect(sequencer.place(0, 0)).toBe(0); // whatever the counts here say (after a reset they are stale)
        expect(sequencer.place(0, 9)).toBe(1); // a shard that does not exist is no home: placed as new
        expect(sequencer.place(2, 0)).toBe(2); // nor one below where the Worker asks from
      });
    },
  );

  it(
    "takes over the stream of an earlier version (no op ids, ids remembered apart), and says which " +
      "op each entry is",
    async () => {
      const stub = env.ROOMS.get(env.ROOMS.idFromName(`sequencer-upgraded-${Date.now()}`));
      await runInDurableObject(stub, async (_, state) => {
        const { sql } = state.storage;
        sql.exec(
          "CREATE TABLE hypern_stream (seq INTEGER PRIMARY KEY, room TEXT, kind TEXT NOT NULL, text TEXT, bytes " +
            "BLOB, exclude TEXT NOT NULL, epoch TEXT, offset INTEGER, code INTEGER NOT NULL, reason TEXT NOT NULL)",
        );
        sql.exec("CREATE TABLE hypern_published (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
        const delivered: StreamEntry[] = [];
        const shard = new (class extends FlakyShard {
          override shardDeliver(entries: readonly StreamEntry[]): number {
            delivered.push(...entries);
            return super.shardDeliver(entries);
          }
        })(0);
        const sequencer = sequencerIn(state, 10, shard);
        expect(sequencer.place(0)).toBe(0);
        expect(
          sequencer.submit([{ kind: "broadcast", id: "op-1", room: null, frame: "one", exclude: [] }]).seqs,
        ).toEqual([1]);
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(delivered.map(({ id, seq }) => ({ id, seq }))).toEqual([{ id: "op-1", seq: 1 }]);
        expect(sql.exec("SELECT name FROM sqlite_master WHERE name = 'hypern_published'").toArray()).toEqual([]);
      });
    },
  );
});
