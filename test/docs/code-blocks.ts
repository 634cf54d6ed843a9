/**
 * The TypeScript code blocks of the docs, and one type check of all of them against the package.
 *
 * Every ```ts (or ```typescript) block of README.md, CONTRIBUTING.md and docs/*.md is a module of its
 * own. A block whose first line is a comment naming a file (`// src/index.ts`) is that file of its
 * page's project, so that the blocks of one page can import each other as a reader's files would
 * (`import { app } from "../src/index.js"`). `hypern-workers` and its `/core`, `/features`, `/client` and
 * `/testing` entries resolve to this repository's sources (the entry points the package's
 * `exports` are built from), with the Workers types, the Vitest plugin's types and the demo's `Env`
 * (worker-configuration.d.ts), under the repository's own compiler options. One program checks them
 * all at once.
 *
 * Info strings:
 * - ```ts: a whole module. Most blocks are.
 * - ```ts ignore: <why>: a fragment, not checked; the reason is required: why it cannot be whole.
 *
 * The walk-through in docs/handlers.md is checked where it goes: a block after
 * `<!-- walkthrough:create FILE -->` is that file of this repository, and one after
 * `<!-- walkthrough:route FILE -->` is added to FILE as test/e2e's walk-through test adds it.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { addRoute } from "../e2e/add-route.js";

export const ROOT = resolve(import.meta.dirname, "../..");

/** The Markdown files whose TypeScript blocks are checked, relative to the root. */
export function documentationFiles(root = ROOT): string[] {
  const docs = existsSync(join(root, "docs"))
    ? readdirSync(join(root, "docs"))
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ["README.md", "CONTRIBUTING.md", ...docs].filter((file) => existsSync(join(root, file)));
}

export interface CodeBlock {
  /** The Markdown file, relative to the root. */
  readonly file: string;
  /** Which TypeScript block of its file it is: 1, 2, 3, ... */
  readonly index: number;
  /** The line of its opening fence (1-based). */
  readonly line: number;
  /** The code, without the indentation of the list it may sit in. */
  readonly code: string;
  /** The file it names in its first line (`// src/index.ts`), relative to its page's project. */
  readonly path?: string;
  /** For a fragment: why it is not checked. */
  readonly ignored?: string;
  /** A step of the walk-through: the file it creates or the route it adds to a file. */
  readonly walkthrough?: { readonly action: string; readonly target: string };
}

const FENCE = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^`\s]*)(.*)$/;
const WALKTHROUGH = /^[ \t]*<!-- walkthrough:(\S+)(?: (\S+))? -->[ \t]*$/;
const TYPESCRIPT = new Set(["ts", "typescript"]);
const FILE_COMMENT = /^\/\/ ((?:[\w.-]+\/)*[\w.-]+\.[cm]?tsx?)[ \t]*$/;

/** The TypeScript blocks of one Markdown file, in order. */
export function codeBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let at = 0; at < lines.length; at++) {
    const open = FENCE.exec(lines[at] ?? "");
    if (open === null) continue;
    const [, indent = "", fence = "", language = "", rest = ""] = open;
    const closing = lines.findIndex(
      (line, index) => index > at && line.startsWith(indent) && line.slice(indent.length).trimEnd() === fence,
    );
    if (closing === -1) throw new Error(`${file}:${at + 1}: a code block is not closed`);
    if (TYPESCRIPT.has(language.toLowerCase())) {
      const code = lines
        .slice(at + 1, closing)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()));
      const flags = rest.trim();
      const ignore = /^ignore\b:?\s*(.*)$/.exec(flags);
      if (flags !== "" && ignore === null)
        throw new Error(`${file}:${at + 1}: unknown info string "${language}${rest}" (only "ignore: <why>")`);
      if (ignore !== null && (ignore[1] ?? "").trim() === "")
        throw new Error(`${file}:${at + 1}: an ignored block must say why it is a fragment: \`\`\`ts ignore: <why>`);
      const marker = WALKTHROUGH.exec(previousNonBlank(lines, at) ?? "");
      const walkthrough = marker?.[2] === undefined ? undefined : { action: marker[1] ?? "", target: marker[2] };
      const path = FILE_COMMENT.exec(code[0] ?? "")?.[1];
      blocks.push({
        file,
        index: blocks.length + 1,
        line: at + 1,
        code: `${code.join("\n")}\n`,
        ...(path !== undefined && { path }),
        ...(ignore !== null && { ignored: (ignore[1] ?? "").trim() }),
        ...(walkthrough !== undefined && { walkthrough }),
      });
    }
    at = closing;
  }
  return blocks;
}

function previousNonBlank(lines: readonly string[], at: number): string | undefined {
  for (let index = at - 1; index >= 0; index--) if ((lines[index] ?? "").trim() !== "") return lines[index];
  return undefined;
}

/** Where a checked block lives in the program, and how its lines map back to the Markdown. */
interface Placed {
  readonly block: CodeBlock;
  /** The program's file for it. */
  readonly path: string;
  readonly text: string;
  /** Whether the file is the block alone (else the block was added to a file of the repository). */
  readonly whole: boolean;
}

/** A problem the type check found, said with the Markdown file and block it comes from. */
export interface BlockProblem {
  readonly block: CodeBlock | undefined;
  readonly message: string;
}

/**
 * Blocks that are not walk-through steps are modules here, one folder per page: folders that do not
 * exist on disk, inside the repository (so that its node_modules resolve).
 */
const BLOCKS_DIR = "test/docs/.blocks";

function place(block: CodeBlock, root: string): Placed {
  const { walkthrough } = block;
  if (walkthrough?.action === "create")
    return { block, path: join(root, walkthrough.target), text: block.code, whole: true };
  if (walkthrough?.action === "route") {
    const target = join(root, walkthrough.target);
    return { block, path: target, text: addRoute(readFileSync(target, "utf8"), block.code), whole: false };
  }
  const page = block.file.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "-");
  return {
    block,
    path: join(root, BLOCKS_DIR, page, block.path ?? `block-${block.index}.ts`),
    text: block.code,
    whole: true,
  };
}

/** The repository's compiler options, with the package's entry points mapped to its sources. */
function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, "tsconfig.json");
  const { config, error } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const { options, errors } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root, configPath);
  if (errors.length > 0)
    throw new Error(
      errors.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")).join("\n"),
    );
  return {
    ...options,
    noEmit: true,
    // Every block is a module of its own, even one without an import or export.
    moduleDetection: ts.ModuleDetectionKind.Force,
    // Examples may show a name they do not use further.
    noUnusedLocals: false,
    noUnusedParameters: false,
    baseUrl: root,
    paths: {
      "hypern-workers": ["src/index.ts"],
      "hypern-workers/core": ["src/core.ts"],
      "hypern-workers/features": ["src/features.ts"],
      "hypern-workers/client": ["src/client/index.ts"],
      "hypern-workers/testing": ["src/testing/index.ts"],
    },
  };
}

/**
 * Type-checks every block that is not a fragment, in one program, and returns each problem with the
 * block it is in; `[]` when every block compiles.
 */
export function checkBlocks(blocks: readonly CodeBlock[], root = ROOT): BlockProblem[] {
  const placed = blocks.filter((block) => block.ignored === undefined).map((block) => place(block, root));
  const byPath = new Map<string, Placed>();
  for (const one of placed) {
    if (byPath.has(one.path))
      throw new Error(
        `${one.block.file} block ${one.block.index} and ${byPath.get(one.path)?.block.file} block ` +
          `${byPath.get(one.path)?.block.index} are both ${relative(root, one.path)}`,
      );
    byPath.set(one.path, one);
  }
  const options = compilerOptions(root);
  const host = ts.createCompilerHost(options, true);
  const virtualDirs = new Set([...byPath.keys()].map((path) => dirname(path)));
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (path) => byPath.has(resolve(path)) || fileExists.call(host, path);
  host.readFile = (path) => byPath.get(resolve(path))?.text ?? readFile.call(host, path);
  host.directoryExists = (path) =>
    virtualDirs.has(resolve(path)) || (directoryExists?.call(host, path) ?? ts.sys.directoryExists(path));
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const virtual = byPath.get(resolve(path));
    if (virtual !== undefined) return ts.createSourceFile(path, virtual.text, languageVersion, true);
    return getSourceFile.call(host, path, languageVersion, onError, shouldCreate);
  };
  const rootNames = [join(root, "worker-configuration.d.ts"), ...byPath.keys()];
  const program = ts.createProgram({ rootNames, options, host });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => problemOf(diagnostic, byPath, root));
}

function problemOf(diagnostic: ts.Diagnostic, byPath: ReadonlyMap<string, Placed>, root: string): BlockProblem {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ");
  const { file, start } = diagnostic;
  if (file === undefined || start === undefined) return { block: undefined, message: `TS${diagnostic.code}: ${text}` };
  const { line, character } = file.getLineAndCharacterOfPosition(start);
  const placed = byPath.get(resolve(file.fileName));
  if (placed === undefined)
    return {
      block: undefined,
      message: `${relative(root, file.fileName)}:${line + 1}:${character + 1}: TS${diagnostic.code}: ${text}`,
    };
  const { block } = placed;
  const where = placed.whole
    ? `${block.file} block ${block.index} (line ${block.line}): at the block's line ${line + 1}, ` +
      `${block.file}:${block.line + line + 1}`
    : `${block.file} block ${block.index} (line ${block.line}), added to ${relative(root, placed.path)}: at its ` +
      `line ${line + 1}`;
  return { block, message: `${where}: TS${diagnostic.code}: ${text}` };
}
