/**
 * No line over 120 characters, in every text file Prettier formats (its ignore files, .gitignore and
 * .prettierignore, leave out what is generated or installed). Prettier wraps code at 120 but leaves some
 * lines whole: long strings, regular expressions, comments, Markdown's code and HTML; this finds them.
 * A Markdown table's row is the one exception: it cannot be wrapped.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getFileInfo } from "prettier";

export const MAX_LINE = 120;

const NEVER_WALKED = new Set([".git", "node_modules"]);

async function ignored(root: string, path: string): Promise<boolean> {
  const ignorePath = [join(root, ".gitignore"), join(root, ".prettierignore")];
  return (await getFileInfo(join(root, path), { ignorePath })).ignored;
}

async function* textFiles(root: string, folder = ""): AsyncGenerator<string> {
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
    if (NEVER_WALKED.has(entry.name)) continue;
    // A folder is left out when a file in it would be (an ignore file's "dist/" names the folder).
    if (entry.isDirectory()) {
      if (!(await ignored(root, `${path}/file`))) yield* textFiles(root, path);
    } else if (entry.isFile() && !(await ignored(root, path))) {
      yield path;
    }
  }
}

/** One line per line too long: `path:line: N characters`. */
export async function longLines(root: string, max = MAX_LINE): Promise<string[]> {
  const problems: string[] = [];
  for await (const path of textFiles(root)) {
    const text = readFileSync(join(root, path), "utf8");
    if (text.includes("\0")) continue;
    const markdown = path.endsWith(".md");
    text.split("\n").forEach((line, index) => {
      const length = [...line].length;
      if (length > max && !(markdown && line.trimStart().startsWith("|"))) {
        problems.push(`${path}:${index + 1}: ${length} characters`);
      }
    });
  }
  return problems;
}
