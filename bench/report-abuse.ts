import type { Measurement } from "./report.ts";
import { fixed } from "./report.ts";
import type { AbuseVariant } from "./scenarios/abuse.ts";
import { ABUSE_VARIANTS } from "./scenarios/abuse.ts";
import { spread } from "./stats.ts";

type Spread = ReturnType<typeof spread>;

const VARIANT_NAMES: Record<AbuseVariant, string> = {
  churn: "churn (every other connection a new session)",
  fill: "fill (its sessions filled, kept alive by resumes)",
  creep: "creep (its full session resumed with one message more, over and over)",
};

/** The route's settings each measurement carries (`route.<name>`), which the bounds are made of. */
type Route = Record<
  "maxConnectionsPerRoom" | "maxUnacknowledged" | "maxUnacknowledgedBytes" | "maxResumablePerClient",
  number
>;

const count = (n: number): string => n.toLocaleString("en-US");
const mebibytes = (n: number): string => `${+(n / 2 ** 20).toFixed(1)} MiB`;

/**
 * The storage figures, in the table's order: the key read from the room object, its label, and the bound the library's
 * options set on it.
 */
interface Figure {
  key: string;
  label: string;
  bound?: (route: Route) => string;
  scale?: "MiB";
}
const FIGURES: readonly Figure[] = [
  {
    key: "sockets",
    label: "sockets the room object holds",
    bound: (r) =>
      `${count(r.maxConnectionsPerRoom)} (maxConnectionsPerRoom, kept places for resumable sessions included)`,
  },
  {
    key: "sessions",
    label: "sessions (a socket holds it, or it is resumable)",
    bound: (r) => `${count(r.maxConnectionsPerRoom)} (maxConnectionsPerRoom)`,
  },
  {
    key: "resumable",
    label: "of which resumable (socket gone, window open)",
    bound: (r) =>
      `${count(r.maxConnectionsPerRoom)}; starting a session ends the address's oldest dropped ones beyond ` +
      `${count(r.maxResumablePerClient)} (maxResumablePerClient), the new one counted`,
  },
  {
    key: "unacknowledged",
    label: "direct messages kept, unacknowledged",
    bound: (r) =>
      `${count(r.maxUnacknowledged)} a session (maxUnacknowledged), ` +
      `${count(r.maxConnectionsPerRoom * r.maxUnacknowledged)} in all`,
  },
  {
    key: "unacknowledgedBytes",
    label: "their bytes (characters)",
    bound: (r) =>
      `${mebibytes(r.maxUnacknowledgedBytes)} a session (maxUnacknowledgedBytes), ` +
      `${mebibytes(r.maxConnectionsPerRoom * r.maxUnacknowledgedBytes)} in all`,
    scale: "MiB",
  },
  {
    key: "unacknowledgedMost",
    label: "direct messages kept by one session, the most",
    bound: (r) =>
      `${count(r.maxUnacknowledged)} (maxUnacknowledged); the one that takes it past is kept, and the server ` +
      `closes its connection with 1013`,
  },
  { key: "rows.hypern_sessions", label: "rows in hypern_sessions", bound: (r) => `${count(r.maxConnectionsPerRoom)}` },
  { key: "rows.hypern_kept", label: "rows in hypern_kept (the direct messages)", bound: () => "one per message kept" },
  {
    key: "rows.hypern_inbox",
    label: "rows in hypern_inbox (ids of the client's messages processed)",
    bound: () => "a session's last 1,000 ids (trimmed every 100)",
  },
  {
    key: "orphanRows",
    label: "rows of hypern_kept and hypern_inbox of sessions that no longer exist",
    bound: () => "0",
  },
  { key: "kvEntries", label: "key-value entries", bound: () => "" },
  { key: "databaseSize", label: "`ctx.storage.sql.databaseSize`", bound: () => "", scale: "MiB" },
];

/** What the client did, in the table's order. */
const ACTIVITY: readonly { key: string; label: string }[] = [
  { key: "connections", label: "connections opened" },
  { key: "refused", label: "upgrades refused" },
  { key: "started", label: "sessions started" },
  { key: "resumed", label: "resumes of its own dropped sessions" },
  { key: "recovered", label: "of which the session came back" },
  { key: "lost", label: "of which the session had been ended (expired)" },
  {
    key: "lostTooFarBehind",
    label: "of which refused as expired: the client had left its session past maxUnacknowledged (closed with 1013)",
  },
  { key: "sent", label: "messages sent" },
  { key: "processed", label: "messages the handler had (each echoed back, kept)" },
  { key: "directs", label: "direct messages received (replays on resume included)" },
  { key: "closedTooFarBehind", label: "connections the server closed with 1013 (too far behind)" },
];

export interface AbuseSummary {
  variants: AbuseVariant[];
  route: Route;
  /** Per storage figure: its peak and its value at the end, over the repetitions of each variant. */
  figures: {
    key: string;
    label: string;
    bound: string;
    scale: "MiB" | null;
    cells: Partial<Record<AbuseVariant, { peak: Spread; end: Spread }>>;
  }[];
  /** Database bytes per direct message kept, at the end. */
  bytesPerMessage: Partial<Record<AbuseVariant, Spread>>;
  activity: { key: string; label: string; cells: Partial<Record<AbuseVariant, Spread>> }[];
  /**
   * Client addresses the room object's sessions were started from (the most in any repetition): 1 unless the address
   * was not known.
   */
  addresses: number;
}

export function summarizeAbuse(runs: Partial<Record<string, readonly Measurement[]>>): AbuseSummary {
  const variants = ABUSE_VARIANTS.filter((variant) => (runs[variant]?.length ?? 0) > 0);
  const all = variants.flatMap((variant) => runs[variant] ?? []);
  const first = all[0] ?? {};
  const route: Route = {
    maxConnectionsPerRoom: first["route.maxConnectionsPerRoom"] ?? Number.NaN,
    maxUnacknowledged: first["route.maxUnacknowledged"] ?? Number.NaN,
    maxUnacknowledgedBytes: first["route.maxUnacknowledgedBytes"] ?? Number.NaN,
    maxResumablePerClient: first["route.maxResumablePerClient"] ?? Number.NaN,
  };
  const over = (variant: AbuseVariant, key: string): Spread => spread((runs[variant] ?? []).map((m) => m[key] ?? 0));
  const perVariant = <T>(cell: (variant: AbuseVariant) => T): Partial<Record<AbuseVariant, T>> =>
    Object.fromEntries(variants.map((variant) => [variant, cell(variant)]));
  // Tables the library may add later (history, presence) show up as they appear.
  const tables = [
    ...new Set(
      all.flatMap((m) =>
        Object.keys(m)
          .filter((key) => key.startsWith("end.rows."))
          .map((key) => key.slice("end.".length)),
      ),
    ),
  ].sort();
  const known = new Set(FIGURES.map(({ key }) => key));
  const extra = tables
    .filter((key) => !known.has(key))
    .map((key): Figure => ({ key, label: `rows in ${key.slice("rows.".length)}` }));
  return {
    variants,
    route,
    figures: [...FIGURES, ...extra].map((figure) => ({
      key: figure.key,
      label: figure.label,
      bound: figure.bound?.(route) ?? "",
      scale: figure.scale ?? null,
      cells: perVariant((variant) => ({
        peak: over(variant, `peak.${figure.key}`),
        end: over(variant, `end.${figure.key}`),
      })),
    })),
    bytesPerMessage: perVariant((variant) =>
      spread(
        (runs[variant] ?? []).map((m) => (m["end.databaseSize"] ?? 0) / Math.max(1, m["end.unacknowledged"] ?? 0)),
      ),
    ),
    activity: ACTIVITY.map(({ key, label }) => ({
      key,
      label,
      cells: perVariant((variant) => over(variant, `client.${key}`)),
    })),
    addresses: Math.max(0, ...all.map((m) => m.addresses ?? 0)),
  };
}

/** A median, and the range when the repetitions differ. */
function cell(s: Spread | undefined, scale: "MiB" | null = null): string {
  if (s === undefined) return "";
  const show = (n: number): string =>
    scale === "MiB" ? `${fixed(n / 2 ** 20)}` : Number.isInteger(n) ? count(n) : fixed(n);
  return s.min === s.max ? show(s.median) : `${show(s.median)} (${show(s.min)}–${show(s.max)})`;
}

export function abuseTable(summary: AbuseSummary): string {
  const { variants } = summary;
  const head = variants.flatMap((variant) => [`${VARIANT_NAMES[variant]}: peak`, "at the end"]);
  const lines = [
    `| abuse: what one client address made one room object keep (ours) | ${head.join(" | ")} | the bound the ` +
      `options set |`,
    `|---|${variants.map(() => "---:|---:|").join("")}---|`,
  ];
  for (const figure of summary.figures) {
    const cells = variants.flatMap((variant) => [
      cell(figure.cells[variant]?.peak, figure.scale),
      cell(figure.cells[variant]?.end, figure.scale),
    ]);
    const label = figure.scale === "MiB" ? `${figure.label}, MiB` : figure.label;
    lines.push(`| ${label} | ${cells.join(" | ")} | ${figure.bound} |`);
  }
  const perMessage = variants.flatMap((variant) => ["", cell(summary.bytesPerMessage[variant])]);
  lines.push(`| derived: database bytes per direct message kept | ${perMessage.join(" | ")} |  |`);
  return lines.join("\n");
}

export function abuseActivityTable(summary: AbuseSummary): string {
  const { variants } = summary;
  const lines = [
    `| abuse: what the client did | ${variants.map((variant) => VARIANT_NAMES[variant]).join(" | ")} |`,
    `|---|${variants.map(() => "---:|").join("")}`,
  ];
  for (const row of summary.activity)
    lines.push(`| ${row.label} | ${variants.map((variant) => cell(row.cells[variant])).join(" | ")} |`);
  return lines.join("\n");
}
