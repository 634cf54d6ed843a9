import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { README_PATH, SVG_PATH, generatedDocs, writeDocs } from "./docs-sections.ts";
import { RESULTS_DIR, readResults } from "./results-files.ts";

/**
 * `npm run bench:docs`: writes bench/README.md's generated sections and bench/results.svg from the
 * results files (bench/results/*.json) alone. With `--check` (run by `npm run check`) it writes nothing
 * and fails when either differs from what it would write.
 */
const { values: flags } = parseArgs({ options: { check: { type: "boolean", default: false } } });
const files = readResults(RESULTS_DIR);

if (flags.check) {
  const { readme, svg } = generatedDocs(files);
  const stale = [
    ...(readFileSync(README_PATH, "utf8") === readme ? [] : ["bench/README.md"]),
    ...(readFileSync(SVG_PATH, "utf8") === svg ? [] : ["bench/results.svg"]),
  ];
  if (stale.length > 0) {
    console.error(`${stale.join(" and ")} not as bench/results/*.json make them: run npm run bench:docs`);
    process.exit(1);
  }
} else {
  writeDocs(files);
}
