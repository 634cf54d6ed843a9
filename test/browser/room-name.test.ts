import { describe, expect, it } from "vitest";
import { roomNameProblem } from "../../src/shared/room-name.js";

describe("the page's check of a room name", () => {
  it("lets through what the server accepts", () => {
    for (const room of ["lobby", "room-a", "café:2.0@x~y-z", "チャット", "a/b_c", "٣", "x".repeat(256)]) {
      expect(roomNameProblem(room)).toBeUndefined();
    }
  });

  it("says which characters are not allowed, and what is", () => {
    expect(roomNameProblem("my room")).toBe("A room name cannot contain spaces. Use letters, digits or _ . : @ ~ - /.");
    expect(roomNameProblem("#general")).toBe("A room name cannot contain “#”. Use letters, digits or _ . : @ ~ - /.");
    expect(roomNameProblem("a b#c!d#")).toBe(
      "A room name cannot contain spaces, “#” or “!”. Use letters, digits or _ . : @ ~ - /.",
    );
    expect(roomNameProblem("tab\there\u00a0")).toBe(
      "A room name cannot contain U+0009 or U+00A0. Use letters, digits or _ . : @ ~ - /.",
    );
    expect(roomNameProblem("a!b?c*d+e=f")).toBe(
      "A room name cannot contain “!”, “?”, “*”, “+” or others. Use letters, digits or _ . : @ ~ - /.",
    );
  });

  it("counts characters, not UTF-16 units, up to 256", () => {
    expect(roomNameProblem("")).toBe("Enter a room name. Use letters, digits or _ . : @ ~ - /.");
    expect(roomNameProblem("𝒳".repeat(256))).toBeUndefined();
    expect(roomNameProblem("x".repeat(257))).toBe("A room name has at most 256 characters; this one has 257.");
  });
});
