import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine } from "./machine.ts";
import type { Summary } from "./report.ts";
import { checkTargets, markdownTable, svgChart, targetsTable } from "./report.ts";
import { checkCostTargets } from "./report-targets.ts";
import { idleHeartbeatTable } from "./report-idle-heartbeat.ts";
import { abuseActivityTable, abuseTable } from "./report-abuse.ts";
import { checkOursTargets, oursTable } from "./report-ours.ts";
import { presenceJoinOursTable } from "./report-presence-join.ts";
import { shardsTable } from "./report-shards.ts";
import { storageCostTable, storageTable } from "./report-storage.ts";
import { wakeSessionsTable, wakesObserved } from "./report-wake.ts";
import type { ResultsFile } from "./results-files.ts";
import type { ResultScenario, Summaries } from "./summaries.ts";

const benchDir = dirname(fileURLToPath(import.meta.url));
export const README_PATH = join(benchDir, "README.md");
export const SVG_PATH = join(benchDir, "results.svg");

export type ResultsFiles = ReadonlyMap<string, ResultsFile>;

const fileOf = <S extends ResultScenario>(files: ResultsFiles, scenario: S): ResultsFile<Summaries[S]> | undefined =>
  files.get(scenario) as ResultsFile<Summaries[S]> | undefined;

/** The sizes as `key value` pairs, nested ones by their path (`hop.members 10`). */
function flatSizes(sizes: unknown, prefix = ""): string[] {
  if (typeof sizes !== "object" || sizes === null) return [`${prefix} ${String(sizes)}`];
  return Object.entries(sizes).flatMap(([key, value]) => flatSizes(value, prefix === "" ? key : `${prefix}.${key}`));
}

/** Where a table's figures come from: the file, the run, the machine, the sizes. */
function caption(file: ResultsFile, extra = ""): string {
  const repetitions = file.repetitions === 1 ? "one repetition" : `${file.repetitions} interleaved repetitions`;
  const run = `${file.quick ? "quick run" : "run"} of ${file.date.slice(0, 10)}, ${repetitions}`;
  const sizes = flatSizes(file.sizes);
  return (
    `From \`results/${file.scenario}.json\`: ${run}; ` +
    `${describeMachine(file.machine)}${sizes.length > 0 ? `; sizes: ${sizes.join(", ")}` : ""}.${extra}`
  );
}

/** The section's text from its file; null without the file. */
function fromFile<S extends ResultScenario>(
  files: ResultsFiles,
  scenario: S,
  render: (file: ResultsFile<Summaries[S]>) => string,
): string | null {
  const file = fileOf(files, scenario);
  return file === undefined ? null : render(file);
}

/** Each scenario's headline row (the first of its list), for the scenarios run with raw, ours and PartyServer. */
function headlineRows(files: ResultsFiles): { row: Summary; file: ResultsFile }[] {
  const firsts: [ResultScenario, Summary[] | undefined][] = [
    ["echo", fileOf(files, "echo")?.summary],
    ["broadcast", fileOf(files, "broadcast")?.summary.compared],
    ["churn", fileOf(files, "churn")?.summary],
    ["idle", fileOf(files, "idle")?.summary],
    ["slow-reader", fileOf(files, "slow-reader")?.summary],
    ["wake", fileOf(files, "wake")?.summary.compared],
    ["presence-join", fileOf(files, "presence-join")?.summary.compared],
    ["bundle", fileOf(files, "bundle")?.summary],
  ];
  return firsts.flatMap(([scenario, rows]) =>
    rows?.[0] === undefined ? [] : [{ row: rows[0], file: files.get(scenario) as ResultsFile }],
  );
}

/** The issue's targets, from the files that hold them; null until all of those exist. */
function targets(files: ResultsFiles): string | null {
  const [echo, broadcast, churn, idle, reconnect] = [
    fileOf(files, "echo"),
    fileOf(files, "broadcast"),
    fileOf(files, "churn"),
    fileOf(files, "idle"),
    fileOf(files, "reconnect"),
  ];
  const [wake, storage, bundle] = [fileOf(files, "wake"), fileOf(files, "storage"), fileOf(files, "bundle")];
  if (!echo || !broadcast || !churn || !idle || !reconnect || !wake || !storage || !bundle) return null;
  const compared = [...echo.summary, ...broadcast.summary.compared, ...churn.summary, ...idle.summary];
  return targetsTable([
    ...checkTargets(compared),
    ...checkOursTargets([...broadcast.summary.ours, ...reconnect.summary]),
    ...checkCostTargets({
      churn: churn.summary,
      wake: wake.summary.compared,
      storage: storage.summary,
      bundle: bundle.summary,
    }),
  ]);
}

const compared = (file: ResultsFile<Summary[]>): string => `${markdownTable(file.summary)}\n\n${caption(file)}`;

/**
 * The generated sections of bench/README.md by name, each made from the results files alone; null while the files it
 * needs are missing.
 */
const SECTIONS: Record<string, (files: ResultsFiles) => string | null> = {
  headline: (files) => {
    const rows = headlineRows(files);
    const sources = rows
      .map(({ file }) => `${file.scenario} ${file.date.slice(0, 10)} (${file.repetitions})`)
      .join(", ");
    return rows.length === 0
      ? null
      : `${markdownTable(rows.map(({ row }) => row))}\n\nMedians; each row from its scenario's results file, with ` +
          `its run's date and repetitions: ${sources}. Sizes and machines are given with each table below.`;
  },
  echo: (files) => fromFile(files, "echo", compared),
  broadcast: (files) =>
    fromFile(files, "broadcast", (file) => `${markdownTable(file.summary.compared)}\n\n${caption(file)}`),
  churn: (files) => fromFile(files, "churn", compared),
  idle: (files) => fromFile(files, "idle", compared),
  "slow-reader": (files) => fromFile(files, "slow-reader", compared),
  targets,
  "history-sessions": (files) =>
    fromFile(files, "broadcast", (file) => `${oursTable(file.summary.ours)}\n\n${caption(file)}`),
  reconnect: (files) => fromFile(files, "reconnect", (file) => `${oursTable(file.summary)}\n\n${caption(file)}`),
  shards: (files) => fromFile(files, "shards", (file) => `${shardsTable(file.summary)}\n\n${caption(file)}`),
  storage: (files) => fromFile(files, "storage", (file) => `${storageTable(file.summary)}\n\n${caption(file)}`),
  "storage-cost": (files) => fromFile(files, "storage", (file) => storageCostTable(file.summary)),
  abuse: (files) =>
    fromFile(files, "abuse", (file) => {
      const addresses = ` Client addresses the sessions were started from: ${file.summary.addresses}.`;
      return `${abuseTable(file.summary)}\n\n${abuseActivityTable(file.summary)}\n\n${caption(file, addresses)}`;
    }),
  bundle: (files) => fromFile(files, "bundle", compared),
  wake: (files) =>
    fromFile(files, "wake", (file) => {
      const observed = wakesObserved(file.summary);
      const wakes = ` Wakes observed (the object's constructor ran again): ${observed}; only those are counted.`;
      return `${markdownTable(file.summary.compared)}\n\n${wakeSessionsTable(file.summary)}\n\n${caption(file, wakes)}`;
    }),
  "idle-heartbeat": (files) =>
    fromFile(files, "idle-heartbeat", (file) => `${idleHeartbeatTable(file.summary)}\n\n${caption(file)}`),
  "presence-join": (files) =>
    fromFile(
      files,
      "presence-join",
      (file) => `${markdownTable(file.summary.compared)}\n\n${presenceJoinOursTable(file.summary)}\n\n${caption(file)}`,
    ),
};

/** The sections that `files` feed, for the console. */
export function sectionsOf(files: ResultsFiles): string {
  return Object.values(SECTIONS)
    .map((render) => render(files))
    .filter((text) => text !== null)
    .join("\n\n");
}

const START = (name: string): string => `<!-- generated:${name} -->`;
const END = (name: string): string => `<!-- /generated:${name} -->`;

/**
 * `readme` with every generated section made anew from `files`; fails on a section it lacks or one it names that does
 * not exist.
 */
export function renderReadme(readme: string, files: ResultsFiles): string {
  const named = [...readme.matchAll(/<!-- generated:([\w-]+) -->/g)].map((m) => m[1] as string);
  const unknown = named.filter((name) => !(name in SECTIONS));
  const missing = Object.keys(SECTIONS).filter((name) => !named.includes(name));
  if (unknown.length > 0 || missing.length > 0) {
    const problems = [
      ...unknown.map((n) => `unknown section ${n}`),
      ...missing.map((n) => `no ${START(n)} ... ${END(n)}`),
    ];
    throw new Error(`bench/README.md: ${problems.join("; ")}`);
  }
  let text = readme;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const from = text.indexOf(START(name));
    const to = text.indexOf(END(name));
    if (to < from) throw new Error(`bench/README.md: ${END(name)} missing or before ${START(name)}`);
    const generated = render(files) ?? "_No results yet: run the scenarios this section needs (see above)._";
    text = `${text.slice(0, from + START(name).length)}\n${generated}\n${text.slice(to)}`;
  }
  return text;
}

/**
 * The chart of the server's costs: the bundle's size, tens of times raw's, is left to the table, where it does not
 * flatten every other bar.
 */
function renderSvg(files: ResultsFiles): string {
  const rows = headlineRows(files)
    .filter(({ file }) => file.scenario !== "bundle")
    .map(({ row }) => row);
  return `${svgChart(
    rows,
    "Medians from bench/results/<scenario>.json; dates, sizes and machines in bench/README.md",
  )}\n`;
}

/** What `npm run bench:docs` writes: bench/README.md with its sections made anew, and bench/results.svg. */
export function generatedDocs(files: ResultsFiles): { readme: string; svg: string } {
  return { readme: renderReadme(readFileSync(README_PATH, "utf8"), files), svg: renderSvg(files) };
}

export function writeDocs(files: ResultsFiles): void {
  const { readme, svg } = generatedDocs(files);
  writeFileSync(README_PATH, readme);
  writeFileSync(SVG_PATH, svg);
}
