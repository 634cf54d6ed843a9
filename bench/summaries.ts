import type { Implementation } from "./clients.ts";
import type { Measurement, Runs, ScenarioName, Summary } from "./report.ts";
import { summarize } from "./report.ts";
import type { AbuseSummary } from "./report-abuse.ts";
import { summarizeAbuse } from "./report-abuse.ts";
import { summarizeBundle } from "./report-bundle.ts";
import type { IdleHeartbeatRow, IdleHeartbeatRuns } from "./report-idle-heartbeat.ts";
import { summarizeIdleHeartbeat } from "./report-idle-heartbeat.ts";
import type { OursSummary } from "./report-ours.ts";
import { summarizeOurs } from "./report-ours.ts";
import type { PresenceJoinRuns, PresenceJoinSummary } from "./report-presence-join.ts";
import { summarizePresenceJoin } from "./report-presence-join.ts";
import type { ShardRuns, ShardSummary } from "./report-shards.ts";
import { summarizeShards } from "./report-shards.ts";
import type { StorageSummary } from "./report-storage.ts";
import { summarizeStorage } from "./report-storage.ts";
import type { WakeSummary } from "./report-wake.ts";
import { summarizeWake } from "./report-wake.ts";

/** Every scenario, each with a results file of its own (bench/results/<scenario>.json). */
export const RESULT_SCENARIOS = [
  "echo",
  "broadcast",
  "churn",
  "idle",
  "slow-reader",
  "reconnect",
  "shards",
  "storage",
  "abuse",
  "bundle",
  "wake",
  "idle-heartbeat",
  "presence-join",
] as const;
export type ResultScenario = (typeof RESULT_SCENARIOS)[number];

/**
 * A scenario's repetitions, by implementation or variant (`ours-history` and `ours-sessions` beside raw, ours and
 * party in broadcast's).
 */
export type ScenarioRuns = Record<string, Measurement[]>;

/** What each results file's summary holds. */
export interface Summaries {
  echo: Summary[];
  broadcast: { compared: Summary[]; ours: OursSummary[] };
  churn: Summary[];
  idle: Summary[];
  "slow-reader": Summary[];
  reconnect: OursSummary[];
  shards: ShardSummary[];
  storage: StorageSummary;
  abuse: AbuseSummary;
  bundle: Summary[];
  wake: WakeSummary;
  "idle-heartbeat": IdleHeartbeatRow[];
  "presence-join": PresenceJoinSummary;
}

const compared = (scenario: ScenarioName, runs: ScenarioRuns): Summary[] =>
  summarize({ [scenario]: runs } as unknown as Runs, [scenario]);
const implementations = (runs: ScenarioRuns) => runs as unknown as Record<Implementation, Measurement[]>;

export function summarizeScenario<S extends ResultScenario>(scenario: S, runs: ScenarioRuns): Summaries[S] {
  const summaries: { [K in ResultScenario]: () => Summaries[K] } = {
    echo: () => compared("echo", runs),
    broadcast: () => ({
      compared: compared("broadcast", runs),
      ours: summarizeOurs(
        {
          "broadcast-history": runs["ours-history"] ?? [],
          "broadcast-sessions": runs["ours-sessions"] ?? [],
          reconnect: [],
        },
        runs.ours ?? [],
      ),
    }),
    churn: () => compared("churn", runs),
    idle: () => compared("idle", runs),
    "slow-reader": () => compared("slow-reader", runs),
    reconnect: () =>
      summarizeOurs({ "broadcast-history": [], "broadcast-sessions": [], reconnect: runs.ours ?? [] }, []),
    shards: () => summarizeShards(runs as unknown as ShardRuns),
    storage: () => summarizeStorage(runs.ours ?? []),
    abuse: () => summarizeAbuse(runs),
    bundle: () => summarizeBundle(implementations(runs)),
    wake: () => summarizeWake(runs),
    "idle-heartbeat": () => summarizeIdleHeartbeat(runs as IdleHeartbeatRuns),
    "presence-join": () => summarizePresenceJoin(runs as PresenceJoinRuns),
  };
  return summaries[scenario]();
}
