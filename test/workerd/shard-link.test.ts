import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ShardLink } from "../../durable-objects/shards/shard-link.js";
import type { SequencerRpc, ShardReport } from "../../durable-objects/shards/shard-protocol.js";
import { eventually } from "./client.js";

describe("a shard's link to its sequencer (in a real object's storage)", () => {
  it("makes a report the sequencer could not take again later, from the alarm", { timeout: 30_000 }, async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`shard-link-${Date.now()}`));
    await runInDurableObject(stub, async (_, state) => {
      const reports: ShardReport[] = [];
      let reachable = false;
      const sequencer = {
        sequencerReport(report: ShardReport): void {
          if (!reachable) throw new Error("network connection lost");
          reports.push(report);
        },
      } as unknown as SequencerRpc;
      const wakes: number[] = [];
      const warnings: string[] = [];
      const link = new ShardLink({
        kv: state.storage.kv,
        shard: 3,
        sequencer: () => sequencer,
        apply: () => undefined,
        missed: () => undefined,
        counts: () => ({ open: 1, held: 1, sessions: 0, resumable: 0 }),
        wakeAt: (time) => wakes.push(time),
        warn: (message) => warnings.push(message),
      });
      const before = Date.now();
      link.settled(); // the shard's first connection: the sequencer must hear of it
      // Every attempt fails: six, 3.1 s of retry delays apart in all (later on a loaded machine).
      await eventually(
        () => expect(warnings).toEqual([expect.stringMatching(/could not be reached for a report after 6 attempts/)]),
        20_000,
      );
      expect(wakes).toHaveLength(1);
      expect(wakes[0]! - before).toBeGreaterThanOrEqual(10_000);
      reachable = true;
      link.reportIfDue(); // the alarm
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reports).toEqual([{ shard: 3, number: 2, open: 1, held: 1, sessions: 0, resumable: 0, settled: 1 }]);
      // Once it got through, an alarm (a receive deadline, the app's) reports nothing unchanged.
      link.reportIfDue();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reports).toHaveLength(1);
    });
  });
});
