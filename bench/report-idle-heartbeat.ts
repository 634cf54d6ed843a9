import type { Measurement } from "./report.ts";
import { fixed } from "./report.ts";
import type { IdleHeartbeatSeries } from "./scenarios/idle-heartbeat.ts";
import { IDLE_HEARTBEAT_ROOMS, IDLE_HEARTBEAT_SERIES } from "./scenarios/idle-heartbeat.ts";
import { median, spread } from "./stats.ts";
import { DEFAULT_HEARTBEAT, HEARTBEAT_ROUTES } from "./worker/heartbeat-timings.ts";

export type IdleHeartbeatRuns = Partial<Record<IdleHeartbeatSeries, Measurement[]>>;

/** workerd evicts an object after 10 s without an event: an alarm that comes later than that wakes it. */
const EVICTION_MS = 10_000;

interface Cell {
  median: number;
  min: number;
  max: number;
  /** Shown instead of the figures. */
  text?: string;
}

export interface IdleHeartbeatRow {
  metric: string;
  label: string;
  /** Derived from the medians: no range. */
  derived: boolean;
  cells: Partial<Record<IdleHeartbeatSeries, Cell>>;
}

const MEASURED: readonly { key: string; label: string }[] = [
  { key: "pingsPerMemberHour", label: "measured: pings sent / member-hour" },
  { key: "cpuMillisPerMemberHour", label: "measured: server CPU ms / member-hour" },
  { key: "constructionsPerHour", label: "measured: room object constructions / hour (each an eviction, then a wake)" },
  { key: "alarmRunsPerHour", label: "measured: room object alarm runs / hour" },
];

/** How much faster than the default the series' heartbeat is; null without one. */
function speedUpOf(series: IdleHeartbeatSeries): number | null {
  const route = IDLE_HEARTBEAT_ROOMS[series].heartbeat;
  return route === null ? null : HEARTBEAT_ROUTES[route].speedUp;
}

/**
 * Whether the object of the series is evicted between its alarms, as at the default: its alarm comes a timeout after a
 * wake.
 */
function evictedBetweenAlarms(series: IdleHeartbeatSeries): boolean {
  const route = IDLE_HEARTBEAT_ROOMS[series].heartbeat;
  return route === null || HEARTBEAT_ROUTES[route].timeoutMs > EVICTION_MS;
}

/**
 * The measured rows (medians and ranges over the repetitions), then what they come to at the default
 * heartbeat, from the medians: interval and timeout sped up alike, every ping and alarm happened
 * `speedUp` times as often, while the rest of an idle room's cost (raw's, which has no heartbeat) does
 * not depend on them.
 */
export function summarizeIdleHeartbeat(runs: IdleHeartbeatRuns): IdleHeartbeatRow[] {
  const ran = IDLE_HEARTBEAT_SERIES.filter((series) => (runs[series] ?? []).length > 0);
  const values = (series: IdleHeartbeatSeries, key: string): number[] =>
    (runs[series] ?? []).map((m) => m[key] as number);
  const rawCpu = median(values("raw", "cpuMillisPerMemberHour"));
  const rows: IdleHeartbeatRow[] = MEASURED.map(({ key, label }) => ({
    metric: key,
    label,
    derived: false,
    cells: Object.fromEntries(ran.map((series) => [series, spread(values(series, key))])),
  }));
  const withHeartbeat = ran.filter((series) => speedUpOf(series) !== null);
  rows.splice(1, 0, {
    metric: "pongsPerPing",
    label: 'measured: pings answered by the runtime (`{"t":"pong"}`), over every repetition',
    derived: false,
    cells: Object.fromEntries(
      withHeartbeat.map((series) => {
        const [pings, pongs] = [sum(values(series, "pings")), sum(values(series, "pongs"))];
        return [
          series,
          { median: pongs / pings, min: pongs / pings, max: pongs / pings, text: `${pongs} of ${pings}` },
        ];
      }),
    ),
  });

  const derivedCell = (value: number): Cell => ({ median: value, min: value, max: value });
  /** What the heartbeat adds to an idle room, per member-hour: the series' CPU over raw's. */
  const added = (series: IdleHeartbeatSeries): number => median(values(series, "cpuMillisPerMemberHour")) - rawCpu;
  rows.push({
    metric: "cpuMicrosPerPing",
    label: "derived: server CPU µs / ping, the alarm's runs included ((CPU − raw's) ÷ pings)",
    derived: true,
    cells: Object.fromEntries(
      withHeartbeat.map((series) => [
        series,
        derivedCell((added(series) * 1000) / median(values(series, "pingsPerMemberHour"))),
      ]),
    ),
  });
  rows.push({
    metric: "defaultCpuMillisPerMemberHour",
    label:
      `at the default ${seconds(DEFAULT_HEARTBEAT)}: server CPU ms / member-hour (raw's + the rest ÷ the ` +
      `speed-up)`,
    derived: true,
    cells: Object.fromEntries(
      ran.map((series) => [series, derivedCell(rawCpu + added(series) / (speedUpOf(series) ?? 1))]),
    ),
  });
  rows.push({
    metric: "defaultWakesPerMemberHour",
    label:
      `at the default ${seconds(DEFAULT_HEARTBEAT)}: room object wakes / member-hour (constructions ÷ the ` +
      `speed-up ÷ members), where the object is evicted between alarms as at the default`,
    derived: true,
    cells: Object.fromEntries(
      ran.filter(evictedBetweenAlarms).map((series) => {
        const perHour = median(values(series, "constructionsPerHour")) / (speedUpOf(series) ?? 1);
        return [series, derivedCell(perHour / median(values(series, "members")))];
      }),
    ),
  });
  return rows;
}

/** Two significant digits below 1 (a wake per member-hour is a small fraction), else as the other tables. */
const figure = (value: number): string => (value !== 0 && Math.abs(value) < 1 ? value.toPrecision(2) : fixed(value));
const sum = (list: readonly number[]): number => list.reduce((total, value) => total + value, 0);
const seconds = ({ intervalMs, timeoutMs }: { intervalMs: number; timeoutMs: number }): string =>
  `${intervalMs / 1000} s / ${timeoutMs / 1000} s`;

function columnName(series: IdleHeartbeatSeries): string {
  const route = IDLE_HEARTBEAT_ROOMS[series].heartbeat;
  if (route === null) return `${series === "party" ? "PartyServer" : "raw"}, no heartbeat`;
  const heartbeat = HEARTBEAT_ROUTES[route];
  return (
    `ours, heartbeat ${seconds(heartbeat)} ` +
    `(${heartbeat.speedUp === 1 ? "the default" : `${heartbeat.speedUp}× the default`})`
  );
}

export function idleHeartbeatTable(rows: readonly IdleHeartbeatRow[]): string {
  const series = IDLE_HEARTBEAT_SERIES.filter((s) => rows.some((row) => row.cells[s] !== undefined));
  const lines = [
    `| idle-heartbeat: metric | ${series.map(columnName).join(" | ")} |`,
    `|---|${series.map(() => "---:").join("|")}|`,
  ];
  for (const row of rows) {
    const cell = (s: IdleHeartbeatSeries): string => {
      const c = row.cells[s];
      if (c === undefined) return "—";
      if (c.text !== undefined) return c.text;
      return row.derived || c.min === c.max
        ? figure(c.median)
        : `${figure(c.median)} (${figure(c.min)}–${figure(c.max)})`;
    };
    lines.push(`| ${row.label} | ${series.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}
