/**
 * `npm run check` runs this: exits with 1 and one line per problem when the layout's rules (layering.ts) are broken.
 */
import { resolve } from "node:path";
import { layoutProblems } from "./layering.ts";

const problems = layoutProblems(resolve(import.meta.dirname, "../.."));
if (problems.length > 0) {
  console.error(`The layout's rules are broken (see test/layout/layering.ts):\n${problems.join("\n")}`);
  process.exit(1);
}
