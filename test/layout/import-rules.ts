/**
 * The layout's one rule, checked (`npm run check` runs this): imports run one way.
 *
 * - `src/shared/` is pure code both sides share: it imports nothing outside itself.
 * - `durable-objects/` runs inside a room Durable Object: it imports itself, `src/shared/` and packages,
 *   never the Worker side (the rest of `src/`).
 * - `src/client/` runs in browsers and Node: itself and `src/shared/` only, and no Workers-only module.
 *
 * Exits with 1 and one line per broken import.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const root = resolve(import.meta.dirname, "../..");

interface Rule {
  /** Files under this folder (relative to the root) follow the rule. */
  readonly folder: string;
  /** Folders its relative imports may reach. */
  readonly mayReach: readonly string[];
  /** Which packages it may import: none, any, or any but those matching. */
  readonly packages: "none" | "any" | { readonly except: RegExp };
}

const RULES: readonly Rule[] = [
  { folder: "src/shared", mayReach: ["src/shared"], packages: "none" },
  { folder: "src/client", mayReach: ["src/client", "src/shared"], packages: { except: /^cloudflare:|^node:/ } },
  { folder: "durable-objects", mayReach: ["durable-objects", "src/shared"], packages: "any" },
];

function* sourceFiles(folder: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(join(root, folder), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/** The most specific rule for a file: src/shared and src/client are inside src but have their own. */
function ruleFor(file: string): Rule | undefined {
  return RULES.filter((rule) => within(file, rule.folder)).sort((a, b) => b.folder.length - a.folder.length)[0];
}

const broken: string[] = [];
for (const rule of RULES) {
  for (const file of sourceFiles(rule.folder)) {
    if (ruleFor(file) !== rule) continue;
    const { importedFiles, referencedFiles } = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
    for (const { fileName: specifier } of [...importedFiles, ...referencedFiles]) {
      if (specifier.startsWith(".")) {
        const target = relative(root, resolve(root, dirname(file), specifier)).split(sep).join("/");
        if (!rule.mayReach.some((folder) => within(target, folder))) {
          broken.push(`${file}: imports ${specifier} (${target}); ${rule.folder}/ may import only ${rule.mayReach.join(", ")}`);
        }
      } else if (rule.packages === "none") {
        broken.push(`${file}: imports the package ${specifier}; ${rule.folder}/ imports nothing outside itself`);
      } else if (rule.packages !== "any" && rule.packages.except.test(specifier)) {
        broken.push(`${file}: imports ${specifier}, which ${rule.folder}/ may not use`);
      }
    }
  }
}

if (broken.length > 0) {
  console.error(`Imports that break the layout's rule (see test/layout/import-rules.ts):\n${broken.join("\n")}`);
  process.exit(1);
}
