import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { layoutProblems } from "./layering.ts";
import { removeTrees, tree } from "./temporary-tree.ts";

afterEach(removeTrees);

describe("the layout's rules", () => {
  it("hold in this repository", () => {
    expect(layoutProblems(resolve(import.meta.dirname, "../.."))).toEqual([]);
  });

  it("allow imports down the layers", () => {
    const root = tree({
      "src/shared/bytes.ts": "export const a = 1;",
      "durable-objects/connection/socket.ts": 'import { a } from "../../src/shared/bytes.js";',
      "durable-objects/rooms/room.ts": 'import "../connection/socket.js";',
      "durable-objects/sessions/session.ts": 'import "../rooms/room.js";',
      "durable-objects/object.ts": 'import "./sessions/session.js";',
      "durable-objects/index.ts": 'export * from "./object.js";',
      "src/app.ts": 'import "../durable-objects/index.js";',
    });
    expect(layoutProblems(root)).toEqual([]);
  });

  it("refuse an import up the layers, across sessions and shards, or past the room object's entry", () => {
    const root = tree({
      "durable-objects/connection/socket.ts": 'import type { Room } from "../rooms/room.js";',
      "durable-objects/rooms/room.ts": "export interface Room {}",
      "durable-objects/sessions/session.ts": 'import "../shards/shard.js";',
      "durable-objects/shards/shard.ts": "export {};",
      "durable-objects/index.ts": "export {};",
      "src/app.ts": 'import "../durable-objects/rooms/room.js";',
      "src/shared/pure.ts": 'import "itty-router";',
    });
    expect(layoutProblems(root)).toEqual([
      expect.stringMatching(
        /^src\/app\.ts: imports \.\.\/durable-objects\/rooms\/room\.js .* may import only src, .*\/index\.ts$/,
      ),
      expect.stringMatching(/^src\/shared\/pure\.ts: imports the package itty-router/),
      expect.stringMatching(
        /^durable-objects\/connection\/socket\.ts: imports \.\.\/rooms\/room\.js .*connection\/ may import only/,
      ),
      expect.stringMatching(/^durable-objects\/sessions\/session\.ts: imports \.\.\/shards\/shard\.js/),
    ]);
  });

  it("refuse an import circle, type-only imports included", () => {
    const root = tree({
      "durable-objects/rooms/a.ts": 'import type { B } from "./b.js";\nexport interface A { b: B }',
      "durable-objects/rooms/b.ts": 'import type { A } from "./a.js";\nexport interface B { a: A }',
    });
    expect(layoutProblems(root)).toEqual([
      "import circle: durable-objects/rooms/a.ts -> durable-objects/rooms/b.ts -> durable-objects/rooms/a.ts",
    ]);
  });
});
