import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { longLines } from "./line-length.ts";
import { removeTrees, tree } from "./temporary-tree.ts";

afterEach(removeTrees);

describe("the line length", () => {
  it("holds in this repository", async () => {
    expect(await longLines(resolve(import.meta.dirname, "../.."))).toEqual([]);
  });

  it("catches a long line in code, a comment, Markdown's prose or code, counting characters, not bytes", async () => {
    const long = "x".repeat(121);
    const root = tree({
      "src/a.ts": `export const a = 1;\nconst s = "${long}";\n`,
      "src/b.ts": `// ${long}\n`,
      "docs/c.md": `# Title\n\n${long}\n\n\`\`\`sh\n${long}\n\`\`\`\n`,
      ".ci/run": `#!/bin/sh\necho ${long}\n`,
      "src/fits.ts": `const s = "${"é".repeat(100)}";\n`,
    });
    expect((await longLines(root)).sort()).toEqual([
      ".ci/run:2: 126 characters",
      "docs/c.md:3: 121 characters",
      "docs/c.md:6: 121 characters",
      "src/a.ts:2: 134 characters",
      "src/b.ts:1: 124 characters",
    ]);
  });

  it("leaves out a Markdown table's rows, and what the ignore files name", async () => {
    const long = "x".repeat(121);
    const root = tree({
      ".gitignore": "dist/\n*.log\n",
      ".prettierignore": "bench/results/\n",
      "docs/table.md": `| a | b |\n|---|---|\n| ${long} | 1 |\n`,
      "dist/out.js": long,
      "run.log": long,
      "bench/results/echo.json": long,
      "bench/results.md": long,
    });
    expect(await longLines(root)).toEqual(["bench/results.md:1: 121 characters"]);
  });
});
