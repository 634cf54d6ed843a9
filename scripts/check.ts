/**
 * `npm run check`: every static check, in order, stopping at the first that fails. The layout's rules and
 * the line length, Prettier, a strict `tsc` of each TypeScript project, then the benchmark pages against
 * the results files they are made from.
 */
import { spawnSync } from "node:child_process";

const TYPESCRIPT_PROJECTS = [
  ".",
  "examples/page",
  "scripts",
  "test",
  "test/browser",
  "test/layout",
  "test/docs",
  "test/client",
  "bench/worker",
  "bench",
];

const STEPS: readonly (readonly string[])[] = [
  ["node", "test/layout/check-imports.ts"],
  ["node", "test/layout/check-lines.ts"],
  ["prettier", "--check", "--log-level=warn", "."],
  ...TYPESCRIPT_PROJECTS.map((project) => ["tsc", "--noEmit", "-p", project]),
  ["node", "bench/docs.ts", "--check"],
];

for (const [command, ...args] of STEPS) {
  // npm run puts node_modules/.bin on the PATH; on Windows its commands are .cmd files, run by a shell.
  const { status, error } = spawnSync(command!, args, { stdio: "inherit", shell: process.platform === "win32" });
  if (status !== 0) {
    console.error(`npm run check: ${[command, ...args].join(" ")} failed${error ? `: ${error.message}` : ""}`);
    process.exit(status ?? 1);
  }
}
