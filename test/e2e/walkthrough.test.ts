import { describe, expect, it } from "vitest";
import { addRoute } from "./add-route.js";
import { markdownSection, walkthroughSteps } from "./walkthrough.js";

const GUIDE = [
  "# Guide",
  "## Start",
  "1. Create `a.ts`:",
  "",
  "   <!-- walkthrough:create a.ts -->",
  "   ```ts",
  "   export const a = 1;",
  "",
  "   if (a) {",
  "     console.log(a);",
  "   }",
  "   ```",
  "",
  "<!-- walkthrough:try -->",
  "",
  "~~~sh",
  "node a.js",
  "~~~",
  "## Next",
  "<!-- walkthrough:create b.ts -->",
  "```ts",
  "b",
  "```",
].join("\n");

describe("reading a walk-through out of Markdown", () => {
  it("takes each marked code block of a section, without its list indentation", () => {
    expect(walkthroughSteps(markdownSection(GUIDE, "Start"))).toEqual([
      { action: "create", target: "a.ts", code: "export const a = 1;\n\nif (a) {\n  console.log(a);\n}\n" },
      { action: "try", target: undefined, code: "node a.js\n" },
    ]);
  });

  it("refuses a marker that no code block follows, and a missing section", () => {
    expect(() => walkthroughSteps("<!-- walkthrough:create a.ts -->\nsome prose\n")).toThrow(
      /not followed by a code block/,
    );
    expect(() => walkthroughSteps("  <!-- walkthrough:create a.ts -->\n```ts\nx\n```\n")).toThrow(
      /not followed by a code block/,
    );
    expect(() => walkthroughSteps("<!-- walkthrough:create a.ts -->\n```ts\nx\n")).toThrow(/not closed/);
    expect(() => markdownSection(GUIDE, "Missing")).toThrow('No "## Missing" section');
  });
});

describe("adding a route to a Worker's source", () => {
  const worker = [
    'import { Hypern } from "../src/index.js";',
    'import { chat } from "./chat.js";',
    "",
    "const app = new Hypern<Env>();",
    "",
    'app.ws("/echo", echo);',
    'app.ws("/chat/:room", chat, {',
    "  room: ({ params }) => params.room,",
    "});",
    'app.include(notifications, { prefix: "/ws" });',
    "",
    "export default app;",
  ].join("\n");

  it("puts the imports after the last import and the route after the last app.ws statement", () => {
    const snippet = 'import { counter } from "./counter.js";\n\napp.ws("/count/:room", counter);\n';
    expect(addRoute(worker, snippet).split("\n")).toEqual([
      'import { Hypern } from "../src/index.js";',
      'import { chat } from "./chat.js";',
      'import { counter } from "./counter.js";',
      "",
      "const app = new Hypern<Env>();",
      "",
      'app.ws("/echo", echo);',
      'app.ws("/chat/:room", chat, {',
      "  room: ({ params }) => params.room,",
      "});",
      'app.ws("/count/:room", counter);',
      'app.include(notifications, { prefix: "/ws" });',
      "",
      "export default app;",
    ]);
  });

  it("refuses a source with no app.ws line to put it next to", () => {
    expect(() => addRoute("export default {};\n", 'app.ws("/x", x);')).toThrow(/no app.ws\( line/);
  });
});
