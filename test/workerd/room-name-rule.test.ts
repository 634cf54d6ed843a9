import fc from "fast-check";
import { describe, it } from "vitest";
import { isValidRoomName, roomNameProblem } from "../../src/shared/room-name.js";

describe("the room-name rule", () => {
  // 1,000 strings checked on the CPU: well under a second here, several on a loaded 2-core machine; the timeout is for
  // a hang, not a speed.
  it(
    "its description (what the chat page shows) agrees with its check (what the Worker applies) on any string",
    { timeout: 60_000 },
    () => {
      const allowed = ["a", "é", "𝒳", "7", "٣", "_", ".", ":", "@", "~", "-", "/"];
      const aroundTheLongest = fc.string({ unit: fc.constantFrom(...allowed), minLength: 250, maxLength: 260 });
      const fewRefused = fc.string({
        unit: fc.constantFrom(...allowed, ...allowed, " ", "#", "?", "%", "\uD800"),
        maxLength: 20,
      });
      const anything = fc.oneof(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.string({ unit: "grapheme", maxLength: 40 }),
        aroundTheLongest,
        fewRefused,
      );
      fc.assert(
        fc.property(anything, (room) => (roomNameProblem(room) === undefined) === isValidRoomName(room)),
        { numRuns: 1_000 },
      );
    },
  );
});
