import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** Not copied: installed packages (linked instead), git's pointer, and what builds and runs leave. */
const LEFT_OUT = new Set(["node_modules", ".git", "dist", ".wrangler", "test-artifacts"]);

export interface ProjectCopy {
  readonly dir: string;
  remove(): void;
}

/** The project's files in a fresh temporary folder, with its node_modules linked, for a test to edit. */
export function copyProject(): ProjectCopy {
  const dir = mkdtempSync(join(tmpdir(), "hypern-project-"));
  for (const entry of readdirSync(ROOT)) {
    if (!LEFT_OUT.has(entry)) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
