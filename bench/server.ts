import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { childProcesses, cpuNanoseconds, residentBytes } from "./process-stats.ts";

const benchDir = dirname(fileURLToPath(import.meta.url));

/** Bundles a Worker exactly as `wrangler deploy` would, without uploading it; returns the output folder. */
export function bundleWorker(config: string, args: readonly string[] = []): string {
  const outdir = mkdtempSync(join(tmpdir(), "hypern-bench-"));
  execFileSync(
    process.execPath,
    [
      join(benchDir, "..", "node_modules", "wrangler", "bin", "wrangler.js"),
      "deploy",
      "--dry-run",
      "--config",
      config,
      "--outdir",
      outdir,
      ...args,
    ],
    { stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  return outdir;
}

/** The benchmark Worker (bench/wrangler.toml), bundled: its module's path. */
export function buildWorker(): string {
  return join(bundleWorker(join(benchDir, "wrangler.toml")), "index.js");
}

/**
 * workerd (every thread) on the last core, this load generator on the others: on a 2-core machine
 * they would otherwise keep migrating onto each other's core, which is most of the run-to-run noise.
 */
function pinToSeparateCores(workerdPid: number): void {
  const cores = availableParallelism();
  if (cores < 2) return;
  try {
    execFileSync("taskset", ["--all-tasks", "--cpu-list", "--pid", String(cores - 1), String(workerdPid)], {
      stdio: "ignore",
    });
    execFileSync("taskset", ["--all-tasks", "--cpu-list", "--pid", `0-${cores - 2}`, String(process.pid)], {
      stdio: "ignore",
    });
  } catch (error) {
    console.warn(
      `Not pinning workerd to its own core (taskset failed: ${(error as Error).message}); expect noisier figures`,
    );
  }
}

/** One workerd process hosting the three implementations, and its resource counters. */
export interface BenchServer {
  readonly url: string;
  readonly wsUrl: string;
  cpuNanoseconds(): number;
  residentBytes(): number;
  dispose(): Promise<void>;
}

export async function startServer(scriptPath: string, options: { inspectorPort?: number } = {}): Promise<BenchServer> {
  const before = new Set(childProcesses(process.pid, "workerd"));
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      scriptPath,
      modulesRoot: dirname(scriptPath),
      compatibilityDate: "2026-11-01",
      host: "127.0.0.1",
      port: 0,
      ...(options.inspectorPort === undefined
        ? {}
        : { inspectorPort: options.inspectorPort, inspectorHost: "127.0.0.1" }),
      durableObjects: {
        RAW: { className: "RawRoom", useSQLite: true },
        OURS: { className: "OursRoom", useSQLite: true },
        PARTY: { className: "PartyRoom", useSQLite: true },
        ABUSE: { className: "AbuseRoom", useSQLite: true },
      },
    }),
  );
  const url = (await miniflare.ready).toString().replace(/\/$/, "");
  const started = childProcesses(process.pid, "workerd").filter((pid) => !before.has(pid));
  if (started.length !== 1) throw new Error(`Expected one new workerd process, found ${started.length}`);
  const pid = started[0] as number;
  pinToSeparateCores(pid);
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    cpuNanoseconds: () => cpuNanoseconds(pid),
    residentBytes: () => residentBytes(pid),
    dispose: () => miniflare.dispose(),
  };
}
