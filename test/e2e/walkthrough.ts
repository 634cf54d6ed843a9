/**
 * Reads a walk-through out of a Markdown page (docs/handlers.md), so that a test can follow it
 * exactly as written. Each step is a fenced code block right after a marker
 * `<!-- walkthrough:ACTION TARGET -->` (TARGET is optional), both at the same indentation.
 */

export interface WalkthroughStep {
  readonly action: string;
  readonly target: string | undefined;
  /** The block's code, without the indentation of the list it sits in. */
  readonly code: string;
}

const MARKER = /^([ \t]*)<!-- walkthrough:(\S+)(?: (\S+))? -->[ \t]*$/;
const FENCE_OPEN = /^(`{3,}|~{3,})/;

/** The part of a Markdown document under `## heading`, up to the next heading of that level. */
export function markdownSection(markdown: string, heading: string): string {
  const lines = markdown.split("\n");
  const start = lines.indexOf(`## ${heading}`);
  if (start === -1) throw new Error(`No "## ${heading}" section`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith("## "));
  return lines.slice(start, end === -1 ? undefined : end).join("\n");
}

/** The marked steps of a walk-through, in order. A marker without a code block after it (blank lines apart) throws. */
export function walkthroughSteps(markdown: string): WalkthroughStep[] {
  const lines = markdown.split("\n");
  const steps: WalkthroughStep[] = [];
  lines.forEach((line, index) => {
    const marker = MARKER.exec(line);
    if (marker === null) return;
    const [, indent = "", action = "", target] = marker;
    // A blank line may come between the marker and its block (Prettier puts one there).
    const opening = lines.findIndex((candidate, at) => at > index && candidate.trim() !== "");
    const fence = FENCE_OPEN.exec(lines[opening]?.slice(indent.length) ?? "");
    if (fence === null || !lines[opening]?.startsWith(indent)) {
      throw new Error(`The walk-through marker "${line.trim()}" is not followed by a code block at its indentation`);
    }
    const closing = lines.findIndex((candidate, at) => at > opening && candidate.trimEnd() === `${indent}${fence[1]}`);
    if (closing === -1) throw new Error(`The code block after "${line.trim()}" is not closed`);
    const code = lines
      .slice(opening + 1, closing)
      .map((codeLine) => (codeLine.startsWith(indent) ? codeLine.slice(indent.length) : codeLine.trimStart()));
    steps.push({ action, target, code: `${code.join("\n")}\n` });
  });
  return steps;
}
