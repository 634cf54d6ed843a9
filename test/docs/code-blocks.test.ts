import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CodeBlock } from "./code-blocks.js";
import { ROOT, checkBlocks, codeBlocks, documentationFiles } from "./code-blocks.js";

/** A block that uses a name the package does not export: the check must name it, its file and its index. */
const BROKEN = [
  "# A page with a mistake",
  "",
  "```ts",
  'import { Hypern } from "hypern-workers";',
  "export const app = new Hypern<Env>();",
  "```",
  "",
  "```ts",
  'import { Hypern, NoSuchThing } from "hypern-workers";',
  "",
  "export const app = new Hypern<Env>();",
  'app.ws("/x", async (ws) => ws.resumedd);',
  "```",
].join("\n");

const blocks = documentationFiles().flatMap((file) => codeBlocks(readFileSync(join(ROOT, file), "utf8"), file));

describe("the docs' TypeScript blocks", () => {
  it("are read from README.md, CONTRIBUTING.md and every page of docs/", () => {
    const files = documentationFiles();
    expect(files).toEqual(expect.arrayContaining(["README.md", "CONTRIBUTING.md", "docs/handlers.md"]));
    for (const file of ["README.md", "docs/handlers.md", "docs/testing.md"])
      expect(blocks.some((block) => block.file === file)).toBe(true);
  });

  it("keep fragments rare", () => {
    const ignored = blocks.filter((block) => block.ignored !== undefined);
    expect(ignored.length).toBeLessThanOrEqual(Math.ceil(blocks.length / 10));
  });

  it("compile against the package, and a block with a mistake is named with its file, index and line", () => {
    const broken = codeBlocks(BROKEN, "test/docs/broken.md");
    const problems = checkBlocks([...blocks, ...broken]);
    const inDocs = problems.filter((problem) => problem.block?.file !== "test/docs/broken.md");
    expect(inDocs.map(({ message }) => message).join("\n")).toBe("");
    expect(problems.map(({ message }) => message)).toEqual([
      expect.stringMatching(
        /^test\/docs\/broken\.md block 2 \(line 8\): at the block's line 1, .*broken\.md:9: TS2305: .*NoSuchThing/,
      ),
      expect.stringMatching(
        /^test\/docs\/broken\.md block 2 \(line 8\): at the block's line 4, .*broken\.md:12: TS2551: .*resumedd/,
      ),
    ]);
  }, 60_000);
});

describe("reading code blocks out of Markdown", () => {
  it(
    "takes TypeScript blocks only, without the indentation of a list, with the walk-through's markers, " +
      "the fragments' reasons and the files blocks name",
    () => {
      const markdown = [
        "1. Step:",
        "",
        "   <!-- walkthrough:create examples/a.ts -->",
        "   ```ts",
        "   export const a = 1;",
        "",
        "     export const b = 2;",
        "   ```",
        "",
        "```sh",
        "npm start",
        "```",
        "~~~typescript ignore: a line of a larger file",
        "app.ws(x);",
        "~~~",
        "````ts",
        "```",
        "````",
        "```ts",
        "// test/app.test.ts",
        'import { app } from "../src/index.js";',
        "```",
      ].join("\n");
      expect(codeBlocks(markdown, "a.md")).toEqual<CodeBlock[]>([
        {
          file: "a.md",
          index: 1,
          line: 4,
          code: "export const a = 1;\n\n  export const b = 2;\n",
          walkthrough: { action: "create", target: "examples/a.ts" },
        },
        { file: "a.md", index: 2, line: 13, code: "app.ws(x);\n", ignored: "a line of a larger file" },
        { file: "a.md", index: 3, line: 16, code: "```\n" },
        {
          file: "a.md",
          index: 4,
          line: 19,
          code: '// test/app.test.ts\nimport { app } from "../src/index.js";\n',
          path: "test/app.test.ts",
        },
      ]);
    },
  );

  it("refuses a fragment without its reason, an unknown info string and an unclosed block", () => {
    expect(() => codeBlocks("```ts ignore\nx\n```\n", "a.md")).toThrow(/must say why/);
    expect(() => codeBlocks("```ts skip\nx\n```\n", "a.md")).toThrow(/unknown info string/);
    expect(() => codeBlocks("```ts\nx\n", "a.md")).toThrow(/not closed/);
  });
});
