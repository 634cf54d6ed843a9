import type { Implementation } from "./clients.ts";
import type { Measurement, Metric, Summary } from "./report.ts";
import { fixed, summarizeMetrics } from "./report.ts";
import type { PresenceJoinSeries } from "./scenarios/presence-join.ts";
import { spread } from "./stats.ts";

type Spread = ReturnType<typeof spread>;

export type PresenceJoinRuns = Partial<Record<PresenceJoinSeries, Measurement[]>>;

/** What a join costs the server and how long until every member knows; server CPU first, the headline. */
const JOIN_METRICS: readonly Metric[] = [
  { key: "cpuMicrosPerJoin", label: "server CPU µs / join, told to every member" },
  { key: "firstP50Ms", label: "p50 ms from a join to the first member told" },
  { key: "lastP50Ms", label: "p50 ms from a join to the last member told" },
  { key: "lastP99Ms", label: "p99 ms from a join to the last member told" },
];

export interface PresenceJoinSummary {
  /** raw, ours and PartyServer telling plain clients with a `joined` broadcast, ratios to raw. */
  compared: Summary[];
  /**
   * Ours alone: the presence diff beside the `joined` broadcast, to plain and to session clients (medians and ranges);
   * the ratio is over the latter's median.
   */
  ours: { label: string; plain: Spread; sessions: Spread; presence: Spread; ratio: number }[];
}

export function summarizePresenceJoin(runs: PresenceJoinRuns): PresenceJoinSummary {
  const broadcastJoin = JOIN_METRICS.map((metric) => ({
    ...metric,
    label: `${metric.label}, by a \`joined\` broadcast`,
  }));
  const compared = summarizeMetrics("presence-join", broadcastJoin, {
    raw: runs.raw ?? [],
    ours: runs.ours ?? [],
    party: runs.party ?? [],
  } as Record<Implementation, Measurement[]>);
  const at = (series: PresenceJoinSeries, key: string): Spread =>
    spread((runs[series] ?? []).map((m) => m[key] as number));
  const ours = JOIN_METRICS.map(({ key, label }) => {
    const [plain, sessions, presence] = [at("ours", key), at("ours-sessions", key), at("ours-presence", key)];
    return { label, plain, sessions, presence, ratio: presence.median / sessions.median };
  });
  return { compared, ours };
}

const range = ({ median, min, max }: Spread): string => `${fixed(median)} (${fixed(min)}–${fixed(max)})`;

export function presenceJoinOursTable(summary: PresenceJoinSummary): string {
  const lines = [
    "| presence-join: metric (ours alone) | `joined` broadcast, plain clients | `joined` broadcast, session " +
      "clients | presence diff, session clients (× `joined` broadcast, session clients) |",
    "|---|---:|---:|---:|",
  ];
  for (const r of summary.ours) {
    const ratio = Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : "—";
    lines.push(`| ${r.label} | ${range(r.plain)} | ${range(r.sessions)} | ${range(r.presence)}, ${ratio} |`);
  }
  return lines.join("\n");
}
