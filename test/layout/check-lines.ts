/** `npm run check` runs this: exits with 1 and one line per line over 120 characters (line-length.ts). */
import { resolve } from "node:path";
import { MAX_LINE, longLines } from "./line-length.ts";

const problems = await longLines(resolve(import.meta.dirname, "../.."));
if (problems.length > 0) {
  console.error(`Lines over ${MAX_LINE} characters (see test/layout/line-length.ts):\n${problems.join("\n")}`);
  process.exit(1);
}
