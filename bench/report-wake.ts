import type { Implementation } from "./clients.ts";
import type { Measurement, Metric, Summary } from "./report.ts";
import { fixed, summarizeMetrics } from "./report.ts";
import { quantile } from "./stats.ts";
import type { WakeRoom } from "./scenarios/wake.ts";
import { WAKE_ROOMS } from "./scenarios/wake.ts";

/**
 * What a wake shows, over the wakes that happened (the object's constructor ran again); server CPU first, the
 * headline.
 */
const WAKE_METRICS: readonly Metric[] = [
  { key: "cpuMillis", label: "server CPU ms of the broadcast that wakes the room (median)" },
  { key: "awakeCpuMillis", label: "server CPU ms of the next broadcast, the room awake (median)" },
  { key: "wakeCpuMillis", label: "the difference, what the wake costs: server CPU ms (median)" },
  { key: "firstMs", label: "p50 ms from the send to the first delivery, waking", quantile: 0.5 },
  { key: "firstMs", label: "p99 ms from the send to the first delivery, waking", quantile: 0.99 },
  { key: "lastMs", label: "p50 ms from the send to the last delivery, waking", quantile: 0.5 },
  { key: "lastMs", label: "p99 ms from the send to the last delivery, waking", quantile: 0.99 },
  { key: "awakeLastMs", label: "p50 ms from the send to the last delivery, awake", quantile: 0.5 },
];

export interface WakeSummary {
  /** raw, ours and PartyServer, ratios to raw. */
  compared: Summary[];
  /** Ours with history on and session clients beside ours' plain room, ratios to the plain room's. */
  sessions: { label: string; ours: number; sessions: number; ratio: number }[];
  /** Per room: wakes observed (its constructor ran once more), of the wakes tried. */
  woke: Record<WakeRoom, { woke: number; tried: number }>;
}

const woken = (runs: readonly Measurement[] = []): Measurement[] => runs.filter((m) => m.woke === 1);

export function summarizeWake(runs: Partial<Record<WakeRoom, readonly Measurement[]>>): WakeSummary {
  const compared = summarizeMetrics("wake", WAKE_METRICS, {
    raw: woken(runs.raw),
    ours: woken(runs.ours),
    party: woken(runs.party),
  } as Record<Implementation, Measurement[]>);
  const at = (room: WakeRoom, { key, quantile: q }: Metric): number =>
    quantile(
      woken(runs[room]).map((m) => m[key] as number),
      q ?? 0.5,
    );
  const sessions = WAKE_METRICS.map((metric) => {
    const ours = at("ours", metric);
    const withSessions = at("ours-sessions", metric);
    return { label: metric.label, ours, sessions: withSessions, ratio: withSessions / ours };
  });
  const woke = Object.fromEntries(
    WAKE_ROOMS.map((room) => [room, { woke: woken(runs[room]).length, tried: runs[room]?.length ?? 0 }]),
  ) as WakeSummary["woke"];
  return { compared, sessions, woke };
}

export function wakeSessionsTable(summary: WakeSummary): string {
  const lines = [
    "| wake: metric (ours alone) | ours, history off | ours, history on, session clients (× history off) |",
    "|---|---:|---:|",
  ];
  for (const r of summary.sessions) {
    lines.push(
      `| ${r.label} | ${fixed(r.ours)} | ${fixed(r.sessions)} ` +
        `(${Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : "—"}) |`,
    );
  }
  return lines.join("\n");
}

/** "raw 9 of 9, ours 9 of 9, …": how many of the wakes tried really were wakes. */
export const wakesObserved = (summary: WakeSummary): string =>
  WAKE_ROOMS.map(
    (room) => `${room === "party" ? "PartyServer" : room} ${summary.woke[room].woke} of ${summary.woke[room].tried}`,
  ).join(", ");
