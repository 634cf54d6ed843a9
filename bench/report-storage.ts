import type { Measurement } from "./report.ts";
import { fixed } from "./report.ts";
import type { StorageOperation } from "./scenarios/storage-rows.ts";
import { STORAGE_OPERATIONS } from "./scenarios/storage-rows.ts";
import { median, spread } from "./stats.ts";

/**
 * Cloudflare's published storage prices for SQLite-backed Durable Objects on the Workers Paid plan
 * (https://developers.cloudflare.com/durable-objects/platform/pricing/): rows included each month,
 * then dollars per million rows.
 */
const STORAGE_PRICES = {
  written: { included: 50e6, dollarsPerMillion: 1.0 },
  read: { included: 25e9, dollarsPerMillion: 0.001 },
} as const;

/** The cost estimate's room: history on, this many broadcasts a second, for a 30-day month. */
const BROADCASTS_PER_SECOND = 10;
const SECONDS_PER_MONTH = 30 * 24 * 3600;

const LABELS: Record<StorageOperation, string> = {
  broadcast: "a broadcast into a room with history (plain members)",
  "broadcast-sessions": "a broadcast into a room with history, session clients as members (sent from Worker code)",
  "ack-broadcasts": "a session client's acknowledgement of broadcasts",
  inbound: "a message from a session client (its handler sends nothing back)",
  direct: "a direct message to a session client (`ws.sendText`)",
  "ack-direct": "a session client's acknowledgement of a batch of direct messages",
  close: "a session client's socket closed by the server (a simulated deploy, 1012), per client",
  resume: "a session client resuming its session, per client",
};

type Spread = ReturnType<typeof spread>;

export interface StorageSummary {
  operations: {
    operation: StorageOperation;
    label: string;
    written: Spread;
    read: Spread;
    statements: number;
    calls: number;
  }[];
  /** Direct messages each acknowledgement of a batch covered. */
  acknowledgedPerAck: number;
  /** A room with history on broadcasting `broadcastsPerSecond`, at the median rows per broadcast. */
  cost: {
    broadcastsPerSecond: number;
    rows: Record<"written" | "read", { perMonth: number; dollarsAfterIncluded: number; dollarsEveryRow: number }>;
  };
}

export function summarizeStorage(runs: readonly Measurement[]): StorageSummary {
  const values = (key: string): number[] => runs.map((m) => m[key] as number);
  const operations = STORAGE_OPERATIONS.map((operation) => ({
    operation,
    label: LABELS[operation],
    written: spread(values(`${operation}.written`)),
    read: spread(values(`${operation}.read`)),
    statements: median(values(`${operation}.statements`)),
    calls: median(values(`${operation}.calls`)),
  }));
  const broadcast = operations[0] as StorageSummary["operations"][number];
  const monthly = (kind: "written" | "read") => {
    const perMonth = broadcast[kind].median * BROADCASTS_PER_SECOND * SECONDS_PER_MONTH;
    const { included, dollarsPerMillion } = STORAGE_PRICES[kind];
    return {
      perMonth,
      dollarsAfterIncluded: (Math.max(0, perMonth - included) / 1e6) * dollarsPerMillion,
      dollarsEveryRow: (perMonth / 1e6) * dollarsPerMillion,
    };
  };
  return {
    operations,
    acknowledgedPerAck: median(values("acknowledgedPerAck")),
    cost: { broadcastsPerSecond: BROADCASTS_PER_SECOND, rows: { written: monthly("written"), read: monthly("read") } },
  };
}

export function storageTable(summary: StorageSummary): string {
  const lines = [
    "| storage: operation (ours) | rows written | rows read | SQL statements | key-value and alarm calls among them |",
    "|---|---:|---:|---:|---:|",
  ];
  const cell = (s: Spread): string =>
    s.min === s.max ? fixed(s.median) : `${fixed(s.median)} (${fixed(s.min)}–${fixed(s.max)})`;
  for (const r of summary.operations) {
    const label = r.operation === "ack-direct" ? `${r.label} (${summary.acknowledgedPerAck} messages)` : r.label;
    lines.push(`| ${label} | ${cell(r.written)} | ${cell(r.read)} | ${fixed(r.statements)} | ${fixed(r.calls)} |`);
  }
  return lines.join("\n");
}

export function storageCostTable(summary: StorageSummary): string {
  const { broadcastsPerSecond, rows } = summary.cost;
  const dollars = (n: number): string => `$${n.toFixed(2)}`;
  const rowCount = (n: number): string =>
    n >= 1e9 ? `${+(n / 1e9).toFixed(1)} billion` : `${+(n / 1e6).toFixed(1)} million`;
  const price = (kind: "written" | "read"): string =>
    `${rowCount(STORAGE_PRICES[kind].included)} included, then $${STORAGE_PRICES[kind].dollarsPerMillion} / million`;
  return [
    `| a room with history on, ${broadcastsPerSecond} broadcasts a second, 30 days | rows | price | cost, the room ` +
      `alone on the account | cost, every row paid |`,
    "|---|---:|---|---:|---:|",
    `| rows written | ${rowCount(rows.written.perMonth)} | ${price("written")} | ` +
      `${dollars(rows.written.dollarsAfterIncluded)} | ${dollars(rows.written.dollarsEveryRow)} |`,
    `| rows read | ${rowCount(rows.read.perMonth)} | ${price("read")} | ${dollars(rows.read.dollarsAfterIncluded)} ` +
      `| ${dollars(rows.read.dollarsEveryRow)} |`,
  ].join("\n");
}
