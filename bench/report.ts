import type { Implementation } from "./clients.ts";
import { IMPLEMENTATIONS } from "./clients.ts";
import { quantile } from "./stats.ts";

export type Measurement = Record<string, number>;
const SCENARIOS = ["echo", "broadcast", "churn", "idle", "slow-reader"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export type Runs = Record<ScenarioName, Record<Implementation, Measurement[]>>;

export interface Metric {
  key: string;
  label: string;
  higherIsBetter?: boolean;
  /** A close code: shown as the codes seen, not as a median and a ratio. */
  closeCode?: boolean;
  /** Show this quantile (0..1) of the repetitions' values instead of their median. */
  quantile?: number;
}

/** What each scenario reports, its headline (server cost) first; all of them: lower is better unless noted. */
export const METRICS: Record<ScenarioName, Metric[]> = {
  echo: [
    { key: "cpuMicrosPerMessage", label: "server CPU µs / message (paced)" },
    { key: "messagesPerSecond", label: "messages / s (saturated)", higherIsBetter: true },
    { key: "p50Ms", label: "p50 round trip ms (paced)" },
    { key: "p99Ms", label: "p99 round trip ms (paced)" },
  ],
  broadcast: [
    { key: "cpuMicrosPerMessage", label: "server CPU µs / delivery" },
    { key: "deliveriesPerSecond", label: "deliveries / s", higherIsBetter: true },
    { key: "p99Ms", label: "p99 delivery ms" },
  ],
  churn: [
    { key: "cpuMicrosPerConnection", label: "server CPU µs / connection (paced)" },
    { key: "connectionsPerSecond", label: "connections / s (saturated)", higherIsBetter: true },
    { key: "p99Ms", label: "p99 connection life ms (paced)" },
  ],
  idle: [{ key: "mebibytesPer1000", label: "workerd RSS MiB / 1,000 idle connections" }],
  "slow-reader": [
    { key: "echoGrowthMiB", label: "echo, client never reads: workerd RSS growth MiB (peak)" },
    { key: "echoed", label: "echo: messages the server echoed (until its close)" },
    { key: "echoCloseCode", label: "echo: close code the client got", closeCode: true },
    { key: "roomGrowthMiB", label: "room, a member never reads: workerd RSS growth MiB (peak)" },
    { key: "roomDelivered", label: "room: messages sent to the non-reader (until its close)" },
    { key: "roomCloseCode", label: "room: close code the non-reader got", closeCode: true },
    { key: "roomSendersClosed", label: "room: senders (who read) closed by the server" },
  ],
};

export interface Summary {
  scenario: string;
  metric: string;
  label: string;
  higherIsBetter: boolean;
  /** Each implementation's median over the repetitions (or the metric's quantile). */
  medians: Record<Implementation, number>;
  /** Each implementation's median over raw's. */
  ratios: Record<Implementation, number>;
  /** For a close code: every repetition's, which the table shows instead of the median. */
  closeCodes?: Record<Implementation, number[]>;
}

export function summarize(runs: Runs, scenarios = Object.keys(METRICS) as ScenarioName[]): Summary[] {
  return scenarios.flatMap((scenario) => summarizeMetrics(scenario, METRICS[scenario], runs[scenario]));
}

/** The rows of one scenario's metrics, from each implementation's repetitions. */
export function summarizeMetrics(
  scenario: string,
  metrics: readonly Metric[],
  runs: Record<Implementation, readonly Measurement[]>,
): Summary[] {
  return metrics.map(({ key, label, higherIsBetter = false, closeCode = false, quantile: q }) => {
    const values = Object.fromEntries(
      IMPLEMENTATIONS.map((impl) => [impl, runs[impl].map((run) => run[key] as number)]),
    ) as Record<Implementation, number[]>;
    const medians = Object.fromEntries(
      IMPLEMENTATIONS.map((impl) => [impl, quantile(values[impl], q ?? 0.5)]),
    ) as Record<Implementation, number>;
    const ratios = Object.fromEntries(IMPLEMENTATIONS.map((impl) => [impl, medians[impl] / medians.raw])) as Record<
      Implementation,
      number
    >;
    const metric = q === undefined ? key : `${key}@p${q * 100}`;
    return { scenario, metric, label, higherIsBetter, medians, ratios, ...(closeCode ? { closeCodes: values } : {}) };
  });
}

export interface TargetCheck {
  target: string;
  value: number;
  limit: number;
  met: boolean;
}

/** The targets, checked on the medians. */
export function checkTargets(rows: readonly Summary[]): TargetCheck[] {
  const row = (scenario: string, metric: string): Summary => {
    const found = rows.find((r) => r.scenario === scenario && r.metric === metric);
    if (found === undefined) throw new Error(`No ${scenario} ${metric}`);
    return found;
  };
  const checks: TargetCheck[] = [];
  const atMost = (target: string, value: number, limit: number): void => {
    checks.push({ target, value, limit, met: value <= limit });
  };
  atMost("echo: ours CPU/message ≤ 1.05× raw", row("echo", "cpuMicrosPerMessage").ratios.ours, 1.05);
  atMost("broadcast: ours CPU/delivery ≤ 1.10× raw", row("broadcast", "cpuMicrosPerMessage").ratios.ours, 1.1);
  for (const [scenario, metric] of [
    ["echo", "cpuMicrosPerMessage"],
    ["broadcast", "cpuMicrosPerMessage"],
    ["churn", "cpuMicrosPerConnection"],
    ["idle", "mebibytesPer1000"],
  ] as const) {
    const { medians } = row(scenario, metric);
    atMost(`${scenario}: ours ≤ PartyServer (${metric}, ratio ours/party)`, medians.ours / medians.party, 1);
  }
  atMost("idle: ours memory ≤ 1.25× raw", row("idle", "mebibytesPer1000").ratios.ours, 1.25);
  return checks;
}

export const fixed = (value: number): string =>
  Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);

/** The codes seen over the repetitions, most frequent first: "1013", or "1013 ×2, still open ×1". */
function closeCodesCell(codes: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  const name = (code: number): string => (code === 0 ? "still open" : String(code));
  const seen = [...counts].sort((a, b) => b[1] - a[1]);
  return seen.length === 1 ? name(seen[0]?.[0] as number) : seen.map(([code, n]) => `${name(code)} ×${n}`).join(", ");
}

export function markdownTable(rows: readonly Summary[]): string {
  const lines = ["| scenario | metric | raw | ours (× raw) | PartyServer (× raw) |", "|---|---|---:|---:|---:|"];
  for (const r of rows) {
    // A ratio to a raw figure of 0 means nothing: "—".
    const ratio = (impl: Implementation): string =>
      Number.isFinite(r.ratios[impl]) ? `${r.ratios[impl].toFixed(2)}×` : "—";
    const value = (impl: Implementation): string =>
      r.closeCodes === undefined ? fixed(r.medians[impl]) : closeCodesCell(r.closeCodes[impl]);
    const cell = (impl: Implementation): string =>
      r.closeCodes === undefined ? `${value(impl)} (${ratio(impl)})` : value(impl);
    lines.push(
      `| ${r.scenario} | ${r.label}${r.higherIsBetter ? " (higher is better)" : ""} | ${value("raw")} | ` +
        `${cell("ours")} | ${cell("party")} |`,
    );
  }
  return lines.join("\n");
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  const lines = ["| target | measured | met |", "|---|---:|:---:|"];
  for (const c of checks)
    lines.push(`| ${c.target} | ${c.value.toFixed(2)} (limit ${c.limit.toFixed(2)}) | ${c.met ? "yes" : "**no**"} |`);
  return lines.join("\n");
}

/** A bar chart of headline costs (one row per scenario) as ratios to raw: lower is better. */
export function svgChart(headline: readonly Summary[], caption: string): string {
  const colors: Record<Implementation, string> = { raw: "#9aa5b1", ours: "#2f80ed", party: "#f2994a" };
  const names: Record<Implementation, string> = { raw: "raw Hibernation API", ours: "ours", party: "PartyServer" };
  const barHeight = 16;
  const groupHeight = IMPLEMENTATIONS.length * (barHeight + 4) + 22;
  const left = 230;
  const width = 760;
  const maxRatio = Math.max(1.5, ...headline.flatMap((r) => IMPLEMENTATIONS.map((impl) => r.ratios[impl])));
  const scale = (width - left - 90) / maxRatio;
  const height = 70 + headline.length * groupHeight + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, ` +
      `sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">Server cost as a ratio to the raw Hibernation API (lower ` +
      `is better)</text>`,
    `<text x="12" y="40" fill="#555">${escapeXml(caption)}</text>`,
  ];
  const axisX = left + scale;
  parts.push(`<line x1="${axisX}" y1="52" x2="${axisX}" y2="${height - 24}" stroke="#333" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${axisX}" y="${height - 8}" text-anchor="middle" fill="#333">1.0× raw</text>`);
  headline.forEach((r, group) => {
    const top = 60 + group * groupHeight;
    parts.push(`<text x="12" y="${top + 12}" font-weight="600">${escapeXml(r.scenario)}</text>`);
    wrap(r.label, 34).forEach((line, i) =>
      parts.push(`<text x="12" y="${top + 28 + i * 14}" fill="#555">${escapeXml(line)}</text>`),
    );
    IMPLEMENTATIONS.forEach((impl, index) => {
      const y = top + index * (barHeight + 4);
      const w = Math.max(1, r.ratios[impl] * scale);
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colors[impl]}"/>`);
      parts.push(
        `<text x="${left + w + 6}" y="${y + 12}">${names[impl]}: ${r.ratios[impl].toFixed(2)}× ` +
          `(${fixed(r.medians[impl])})</text>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/**
 * The words of `text` in lines of at most `width` characters (a longer word on a line of its own), so that a label
 * stays left of the bars.
 */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
