import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Machine } from "./machine.ts";
import type { Measurement } from "./report.ts";

const benchDir = dirname(fileURLToPath(import.meta.url));
/** Where runs write their results, one file per scenario, and the only source of the figures in bench/README.md. */
export const RESULTS_DIR = join(benchDir, "results");
/** Where `--quick` runs write theirs (not committed), so that a smoke run never replaces measured figures. */
export const QUICK_RESULTS_DIR = join(benchDir, "quick-results");

/** One scenario's results: `bench/results/<scenario>.json`. */
export interface ResultsFile<Summary = unknown> {
  scenario: string;
  /** When the run ended (ISO 8601). */
  date: string;
  quick: boolean;
  machine: Machine;
  repetitions: number;
  sizes: unknown;
  /** Every repetition's measurement, by implementation or variant (each list in the order they ran). */
  runs: Record<string, Measurement[]>;
  /** What the tables show: medians (and ranges), ratios to raw (or to the scenario's baseline). */
  summary: Summary;
}

export function writeResults(dir: string, file: ResultsFile): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${file.scenario}.json`), `${JSON.stringify(file, null, 2)}\n`);
}

/**
 * Every results file in `dir`, by scenario. JSON writes NaN and ±Infinity (a ratio to a raw figure of 0,
 * a median of nothing) as null: they are read back as NaN, which the tables show as "—".
 */
export function readResults(dir: string): Map<string, ResultsFile> {
  const files = new Map<string, ResultsFile>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()) {
    const file = JSON.parse(readFileSync(join(dir, name), "utf8"), (_key, value: unknown) =>
      value === null ? Number.NaN : value,
    ) as ResultsFile;
    files.set(file.scenario, file);
  }
  return files;
}
