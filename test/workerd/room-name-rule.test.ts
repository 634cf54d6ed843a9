import fc from "fast-check";
import { describe, it } from "vitest";
import { roomNameProblem } from "../../examples/page/room-name.js";
import { isValidRoomName } from "../../src/admission.js";

// Here rather than with the page's tests: the server's rule type-checks only with the Workers types.
describe("the chat page's room-name check", () => {
  it("agrees with the server's rule on any string", () => {
    const allowed = ["a", "é", "𝒳", "7", "٣", "_", ".", ":", "@", "~", "-", "/"];
    const aroundTheLongest = fc.string({ unit: fc.constantFrom(...allowed), minLength: 250, maxLength: 260 });
    const fewRefused = fc.string({ unit: fc.constantFrom(...allowed, ...allowed, " ", "#", "?", "%", "\uD800"), maxLength: 20 });
    const anything = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }), aroundTheLongest, fewRefused);
    fc.assert(fc.property(anything, (room) => (roomNameProblem(room) === undefined) === isValidRoomName(room)), { numRuns: 1_000 });
  });
});
