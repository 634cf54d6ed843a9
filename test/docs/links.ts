/**
 * The relative links of the docs, checked: each names a file of this repository and, after `#`, a
 * heading of that file, as GitHub makes its anchors.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings (outside code blocks), duplicates numbered as GitHub does. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const line of markdown.split("\n")) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (opening !== undefined) {
      if (fence === null) fence = opening;
      else if (line.trim().startsWith(fence)) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const anchor = anchorOf(heading);
    const count = seen.get(anchor) ?? 0;
    seen.set(anchor, count + 1);
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
  }
  return anchors;
}

/** Markdown links and `src`/`href` attributes outside code, with the line each is on. */
function linksOf(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let fence: string | null = null;
  markdown.split("\n").forEach((line, index) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (opening !== undefined) {
      if (fence === null) fence = opening;
      else if (line.trim().startsWith(fence)) fence = null;
      return;
    }
    if (fence !== null) return;
    const prose = line.replace(/`[^`]*`/g, "");
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)|(?:src|href)="([^"]+)"/g))
      links.push({ target: match[1] ?? match[2] ?? "", line: index + 1 });
  });
  return links;
}

/** Every broken relative link of the given Markdown files (paths from `root`), one line each. */
export function brokenLinks(root: string, files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const { target, line } of linksOf(readFileSync(join(root, file), "utf8"))) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      const linked = path === "" ? file : normalize(join(dirname(file), path));
      if (!existsSync(join(root, linked))) {
        problems.push(`${file}:${line}: ${target}: no file ${linked}`);
        continue;
      }
      if (anchor === undefined || !linked.endsWith(".md")) continue;
      if (!anchorsOf(readFileSync(join(root, linked), "utf8")).has(anchor))
        problems.push(`${file}:${line}: ${target}: no heading #${anchor} in ${linked}`);
    }
  }
  return problems;
}
