import { createRequire } from "node:module";
import { cpus } from "node:os";

/** What a results file was measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  /** The workerd package Miniflare runs (its version names the runtime's release). */
  workerd: string;
}

export function thisMachine(): Machine {
  const { version } = createRequire(import.meta.url)("workerd/package.json") as { version: string };
  return { cpu: cpus()[0]?.model.trim() ?? "unknown", cores: cpus().length, node: process.version, workerd: version };
}

export const describeMachine = (m: Machine): string => `${m.cores} × ${m.cpu}, Node ${m.node}, workerd ${m.workerd}`;
