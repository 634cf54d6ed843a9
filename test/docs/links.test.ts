import { describe, expect, it } from "vitest";
import { ROOT, documentationFiles } from "./code-blocks.js";
import { anchorOf, brokenLinks } from "./links.js";

describe("the docs' links", () => {
  it("name files of this repository and headings that exist", () => {
    const files = [...documentationFiles(), "CHANGELOG.md", "bench/README.md"];
    expect(brokenLinks(ROOT, files)).toEqual([]);
  });

  it("make anchors as GitHub does", () => {
    expect(anchorOf("Rooms at module scope, and the room object's own methods")).toBe(
      "rooms-at-module-scope-and-the-room-objects-own-methods",
    );
    expect(anchorOf("Rooms over shards (ours alone)")).toBe("rooms-over-shards-ours-alone");
    expect(anchorOf("The `docs` code blocks")).toBe("the-docs-code-blocks");
  });
});
