import type { Measurement, TargetCheck } from "./report.ts";
import { fixed } from "./report.ts";
import { median } from "./stats.ts";

/**
 * What only ours is measured on, raw and PartyServer having no room history and no sessions: its
 * broadcast room with history on, and with session clients as members (both beside ours' plain
 * broadcast, history off, of the same repetitions), and the reconnect storm.
 */
const OURS_CASES = ["broadcast-history", "broadcast-sessions", "reconnect"] as const;
export type OursCase = (typeof OURS_CASES)[number];
export type OursRuns = Record<OursCase, Measurement[]>;

interface OursMetric {
  key: string;
  label: string;
  /** A count that must be 0: shown as its total over the repetitions. */
  mustBeZero?: boolean;
  /** Not a cost to compare with history off. */
  plain?: boolean;
}

const HISTORY_OFF: OursMetric = {
  key: "cpuMicrosPerMessage",
  label: "server CPU µs / delivery, history off, plain clients",
};

export const OURS_METRICS: Record<OursCase, OursMetric[]> = {
  "broadcast-history": [{ key: "cpuMicrosPerMessage", label: "server CPU µs / delivery, history on, plain clients" }],
  "broadcast-sessions": [
    { key: "cpuMicrosPerMessage", label: "server CPU µs / delivery, history on, session clients" },
    { key: "acknowledgementsPerDelivery", label: "session clients: acknowledgements sent / delivery", plain: true },
  ],
  reconnect: [
    { key: "catchUpMs", label: "ms from the close until every client has resumed and caught up" },
    { key: "cpuMicrosPerClient", label: "server CPU µs / resumed client (over that time)" },
    {
      key: "closeCpuMicrosPerClient",
      label: "of which until the deploy and the broadcasts had answered, µs / client",
    },
    { key: "resumeP50Ms", label: "p50 ms from a client's reconnect attempt to caught up" },
    { key: "resumeP99Ms", label: "p99 ms from a client's reconnect attempt to caught up" },
    { key: "notCaughtUp", label: "clients not caught up in time", mustBeZero: true },
    { key: "missing", label: "messages missed", mustBeZero: true },
    { key: "duplicates", label: "messages received twice", mustBeZero: true },
    { key: "lostSessions", label: "sessions not recovered", mustBeZero: true },
  ],
};

export interface OursSummary {
  /** What the row was measured in: one of the cases, or ours' plain broadcast (`broadcast`). */
  source: OursCase | "broadcast";
  scenario: "broadcast" | "reconnect";
  metric: string;
  label: string;
  median: number;
  min: number;
  max: number;
  /** Over ours' broadcast with history off: for the broadcast rows. */
  ratio?: number;
  /** For a count that must be 0: its total over the repetitions. */
  total?: number;
}

/**
 * The rows of the cases that ran; `historyOff` is ours' plain broadcast of the same repetitions, the
 * baseline of the broadcast rows.
 */
export function summarizeOurs(runs: OursRuns, historyOff: readonly Measurement[]): OursSummary[] {
  const rows: OursSummary[] = [];
  const row = (
    source: OursSummary["source"],
    { key, label, mustBeZero }: OursMetric,
    measurements: readonly Measurement[],
  ): OursSummary => {
    const values = measurements.map((m) => m[key] as number);
    return {
      source,
      scenario: source === "reconnect" ? "reconnect" : "broadcast",
      metric: key,
      label,
      median: median(values),
      min: Math.min(...values),
      max: Math.max(...values),
      ...(mustBeZero ? { total: values.reduce((sum, v) => sum + v, 0) } : {}),
    };
  };
  const broadcasts = (["broadcast-history", "broadcast-sessions"] as const).filter((c) => runs[c].length > 0);
  if (broadcasts.length > 0 && historyOff.length > 0) {
    const off = row("broadcast", HISTORY_OFF, historyOff);
    rows.push({ ...off, ratio: 1 });
    for (const c of broadcasts) {
      for (const metric of OURS_METRICS[c]) {
        const on = row(c, metric, runs[c]);
        rows.push(metric.plain ? on : { ...on, ratio: on.median / off.median });
      }
    }
  }
  if (runs.reconnect.length > 0)
    for (const metric of OURS_METRICS.reconnect) rows.push(row("reconnect", metric, runs.reconnect));
  return rows;
}

export function oursTable(rows: readonly OursSummary[]): string {
  const lines = ["| scenario | metric (ours alone) | median (range) | × history off |", "|---|---|---:|---:|"];
  for (const r of rows) {
    const range = `${fixed(r.median)} (${fixed(r.min)}–${fixed(r.max)})`;
    const value = r.total === undefined ? range : `${r.total} in all`;
    lines.push(`| ${r.scenario} | ${r.label} | ${value} | ${r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`} |`);
  }
  return lines.join("\n");
}

/** The issue's targets for history and sessions, on the rows that ran. */
export function checkOursTargets(rows: readonly OursSummary[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const history = rows.find((r) => r.source === "broadcast-history" && r.metric === "cpuMicrosPerMessage");
  if (history?.ratio !== undefined) {
    checks.push({
      target: "broadcast: ours CPU/delivery, history on ≤ 1.15× history off",
      value: history.ratio,
      limit: 1.15,
      met: history.ratio <= 1.15,
    });
  }
  const faults = rows.filter((r) => r.source === "reconnect" && r.total !== undefined);
  if (faults.length > 0) {
    const value = faults.reduce((sum, r) => sum + (r.total as number), 0);
    checks.push({
      target: "reconnect: every client resumed and caught up, nothing missed or doubled (faults in all)",
      value,
      limit: 0,
      met: value === 0,
    });
  }
  return checks;
}
