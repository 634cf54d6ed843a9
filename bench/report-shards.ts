import type { Measurement } from "./report.ts";
import { fixed } from "./report.ts";
import type { ShardVariant } from "./scenarios/shards.ts";
import { SHARD_VARIANTS } from "./scenarios/shards.ts";
import { median, spread } from "./stats.ts";

/** The shards scenario's measurements, by variant; the i-th of each from the same repetition and workerd. */
export type ShardRuns = Record<ShardVariant, Measurement[]>;

const NAMES: Record<ShardVariant, string> = {
  "one-object": "one object",
  "shards-1000": "shards of 1,000",
  "shards-100": "shards of 100",
};

const METRICS: readonly { key: string; label: string }[] = [
  { key: "cpuMicrosPerDelivery", label: "server CPU µs / delivery" },
  { key: "firstP50Ms", label: "p50 ms from a send to its first delivery" },
  { key: "firstP99Ms", label: "p99 ms from a send to its first delivery" },
  { key: "lastP50Ms", label: "p50 ms from a send to its last delivery (every member has it)" },
  { key: "lastP99Ms", label: "p99 ms from a send to its last delivery" },
  { key: "hopCpuMicrosPerBroadcast", label: "room of 10: server CPU µs / broadcast" },
  { key: "hopP50Ms", label: "room of 10: p50 ms from a send to its last delivery" },
  { key: "hopP99Ms", label: "room of 10: p99 ms from a send to its last delivery" },
];

export interface ShardSummary {
  metric: string;
  label: string;
  /** Per variant: median, min and max over the repetitions, and the median's ratio to one object's. */
  cells: Partial<Record<ShardVariant, { median: number; min: number; max: number; ratio: number }>>;
}

/** The table's rows, for the variants that ran. */
export function summarizeShards(runs: ShardRuns): ShardSummary[] {
  const ran = SHARD_VARIANTS.filter((variant) => runs[variant].length > 0);
  if (ran.length === 0) return [];
  const rows: ShardSummary[] = [];
  const shards = (variant: ShardVariant) => spread(runs[variant].map((m) => m.shards as number));
  rows.push({
    metric: "shards",
    label: "objects holding the members (shards)",
    cells: Object.fromEntries(ran.map((v) => [v, { ...shards(v), ratio: Number.NaN }])),
  });
  for (const { key, label } of METRICS) {
    const base = runs["one-object"].length > 0 ? median(runs["one-object"].map((m) => m[key] as number)) : Number.NaN;
    const cells = Object.fromEntries(
      ran.map((variant) => {
        const s = spread(runs[variant].map((m) => m[key] as number));
        return [variant, { ...s, ratio: s.median / base }];
      }),
    );
    rows.push({ metric: key, label, cells });
  }
  const perShard = extraCpuPerShard(runs);
  if (perShard.length > 0) {
    rows.push({
      metric: "cpuMicrosPerShardPerBroadcast",
      label:
        "derived: server CPU µs per broadcast for each further shard (shards of 100 − shards of 1,000, per " +
        "repetition, over the difference in shards)",
      cells: { "shards-100": { ...spread(perShard), ratio: Number.NaN } },
    });
  }
  return rows;
}

/**
 * What each further shard adds to a broadcast's CPU, from the two sharded variants of one repetition:
 * the same members and broadcasts, only the number of shards (so of fan-out calls) differing.
 */
function extraCpuPerShard(runs: ShardRuns): number[] {
  const few = runs["shards-1000"];
  const many = runs["shards-100"];
  const values: number[] = [];
  for (let i = 0; i < Math.min(few.length, many.length); i++) {
    const a = few[i] as Measurement;
    const b = many[i] as Measurement;
    const shards = (b.shards as number) - (a.shards as number);
    if (shards > 0)
      values.push((((b.cpuMillisPerBroadcast as number) - (a.cpuMillisPerBroadcast as number)) * 1000) / shards);
  }
  return values;
}

export function shardsTable(rows: readonly ShardSummary[]): string {
  const variants = SHARD_VARIANTS.filter((variant) => rows.some((row) => row.cells[variant] !== undefined));
  const lines = [
    `| shards: metric (ours) | ` +
      `${variants.map((v) => `${NAMES[v]}${v === "one-object" ? "" : " (× one object)"}`).join(" | ")} |`,
    `|---|${variants.map(() => "---:").join("|")}|`,
  ];
  for (const row of rows) {
    const cell = (variant: ShardVariant): string => {
      const c = row.cells[variant];
      if (c === undefined) return "";
      const show = (n: number): string => (row.metric === "shards" ? String(n) : fixed(n));
      const value = c.min === c.max ? show(c.median) : `${show(c.median)} (${show(c.min)}–${show(c.max)})`;
      return variant === "one-object" || !Number.isFinite(c.ratio) ? value : `${value}, ${c.ratio.toFixed(2)}×`;
    };
    lines.push(`| ${row.label} | ${variants.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}
