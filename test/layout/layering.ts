/**
 * The layout's rules: which folder may import which, and no import circles (type-only imports
 * included). This file is where they are written; `npm run check` applies them (check-imports.ts),
 * and layering.test.ts shows that a forbidden import and a circle are caught.
 *
 * Where code runs:
 * - `src/shared/` is pure code both sides share: it imports nothing outside itself, no package.
 * - `src/client/` runs in browsers and Node: itself and `src/shared/` only, and no Workers-only module.
 * - the rest of `src/` is the Worker side: it reaches the room-object side only through
 *   `durable-objects/index.ts`.
 * - `durable-objects/` runs inside a room Durable Object and never imports the Worker side. Inside it,
 *   by concern, each layer imports only those below it:
 *     storage/      SQL helpers every concern shares     src/shared
 *     connection/   a socket's life                      src/shared
 *     rooms/        named groups, members, history       connection/, storage/
 *     sessions/     resume, acknowledgements             rooms/, connection/, storage/
 *     shards/       the sequencer, a shard's part        rooms/, connection/, storage/
 *     (top)         the object: dispatch, upgrade, ...   all of durable-objects/
 *   Sessions and shards do not import each other.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export interface Rule {
  /** Files under this folder (relative to the root) follow the rule; the most specific folder wins. */
  readonly folder: string;
  /** Folders (or single files) its relative imports may reach. */
  readonly mayReach: readonly string[];
  /** Which packages it may import: none, any, or any but those matching. */
  readonly packages: "none" | "any" | { readonly except: RegExp };
}

const SHARED = "src/shared";
const CONNECTION = "durable-objects/connection";
const ROOMS = "durable-objects/rooms";
const STORAGE = "durable-objects/storage";

export const RULES: readonly Rule[] = [
  { folder: SHARED, mayReach: [SHARED], packages: "none" },
  { folder: "src/client", mayReach: ["src/client", SHARED], packages: { except: /^cloudflare:|^node:/ } },
  { folder: "src", mayReach: ["src", "durable-objects/index.ts"], packages: "any" },
  { folder: STORAGE, mayReach: [STORAGE, SHARED], packages: "none" },
  { folder: CONNECTION, mayReach: [CONNECTION, SHARED], packages: "any" },
  { folder: ROOMS, mayReach: [ROOMS, CONNECTION, STORAGE, SHARED], packages: "any" },
  {
    folder: "durable-objects/sessions",
    mayReach: ["durable-objects/sessions", ROOMS, CONNECTION, STORAGE, SHARED],
    packages: "any",
  },
  {
    folder: "durable-objects/shards",
    mayReach: ["durable-objects/shards", ROOMS, CONNECTION, STORAGE, SHARED],
    packages: "any",
  },
  { folder: "durable-objects", mayReach: ["durable-objects", SHARED], packages: "any" },
];

/** The folders the rules cover. */
const ROOTS = ["src", "durable-objects"];

function* sourceFiles(root: string, folder: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(join(root, folder), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) yield* sourceFiles(root, path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

function ruleFor(file: string, rules: readonly Rule[]): Rule | undefined {
  return rules.filter((rule) => within(file, rule.folder)).sort((a, b) => b.folder.length - a.folder.length)[0];
}

/** The file a relative import names, as a path from the root (`.js` imports name `.ts` files). */
function target(root: string, file: string, specifier: string): string {
  return relative(root, resolve(root, dirname(file), specifier))
    .split(sep)
    .join("/")
    .replace(/\.js$/, ".ts");
}

/** Every import that breaks a rule, and every import circle, one line each; none when the layout holds. */
export function layoutProblems(root: string, rules: readonly Rule[] = RULES): string[] {
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const folder of ROOTS) {
    for (const file of sourceFiles(root, folder)) {
      const rule = ruleFor(file, rules);
      const edges: string[] = [];
      graph.set(file, edges);
      const { importedFiles, referencedFiles } = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
      for (const { fileName: specifier } of [...importedFiles, ...referencedFiles]) {
        if (specifier.startsWith(".")) {
          const reached = target(root, file, specifier);
          edges.push(reached);
          if (rule !== undefined && !rule.mayReach.some((folder) => within(reached, folder))) {
            problems.push(
              `${file}: imports ${specifier} (${reached}); ${rule.folder}/ may import only ${rule.mayReach.join(", ")}`,
            );
          }
        } else if (rule?.packages === "none") {
          problems.push(`${file}: imports the package ${specifier}; ${rule.folder}/ imports nothing outside itself`);
        } else if (rule !== undefined && rule.packages !== "any" && rule.packages.except.test(specifier)) {
          problems.push(`${file}: imports ${specifier}, which ${rule.folder}/ may not use`);
        }
      }
    }
  }
  for (const circle of circles(graph)) problems.push(`import circle: ${circle.join(" -> ")}`);
  return problems;
}

/** The import circles of a graph, each once, as the files around it (first file repeated at the end). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (file: string): void => {
    const at = onPath.indexOf(file);
    if (at !== -1) {
      found.push([...onPath.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    onPath.push(file);
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next);
    onPath.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return found;
}
