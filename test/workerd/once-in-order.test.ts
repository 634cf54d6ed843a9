import { describe, expect, it } from "vitest";
import { assertOnceInOrder, onceInOrderProblems } from "../../src/testing/index.js";

describe("onceInOrderProblems: every message sent received exactly once, in the order sent", () => {
  it("finds nothing wrong when each came once, in order", () => {
    expect(onceInOrderProblems(["a", "b", "c"], ["a", "b", "c"], { exact: true })).toEqual([]);
    expect(onceInOrderProblems([], [])).toEqual([]);
  });

  it("reports a missing message, and how many of all", () => {
    expect(onceInOrderProblems(["a", "c"], ["a", "b", "c"])).toEqual(['missing 1 of 3: #2 "b"']);
  });

  it("reports a doubled message, and how many times it came", () => {
    expect(onceInOrderProblems(["a", "b", "b", "c", "b"], ["a", "b", "c"])).toEqual([
      'received more than once: #2 "b" (3 times)',
    ]);
  });

  it("reports the first message out of order, and the one sent after it that came first", () => {
    expect(onceInOrderProblems(["a", "c", "b", "e", "d"], ["a", "b", "c", "d", "e"])).toEqual([
      'out of order: #2 "b" came after #3 "c", which was sent after it',
    ]);
  });

  it("reports every kind of problem at once, one line each", () => {
    expect(onceInOrderProblems(["c", "a", "a"], ["a", "b", "c"])).toEqual([
      'missing 1 of 3: #2 "b"',
      'received more than once: #1 "a" (2 times)',
      'out of order: #1 "a" came after #3 "c", which was sent after it',
    ]);
  });

  it("ignores other messages in between, unless exact, which names them", () => {
    const received = ["hello from bo", "a", "notice", "b"];
    expect(onceInOrderProblems(received, ["a", "b"])).toEqual([]);
    expect(onceInOrderProblems(received, ["a", "b"], { exact: true })).toEqual([
      'received 2 never sent: "hello from bo", "notice"',
    ]);
  });

  it(
    "compares JSON values as JSON, whatever the order of an object's keys; a string is not the number it " + "spells",
    () => {
      const sent = [{ n: 1, text: "one" }, { n: 2, text: "two" }, [3, "three"]];
      expect(
        onceInOrderProblems([{ text: "one", n: 1 }, { text: "two", n: 2 }, [3, "three"]], sent, { exact: true }),
      ).toEqual([]);
      expect(
        onceInOrderProblems(
          [
            { text: "two", n: 2 },
            { n: 1, text: "one" },
          ],
          sent,
        ),
      ).toEqual([
        'missing 1 of 3: #3 [3,"three"]',
        'out of order: #1 {"n":1,"text":"one"} came after #2 {"n":2,"text":"two"}, which was sent after it',
      ]);
      expect(onceInOrderProblems(["1"], [1])).toEqual(["missing 1 of 1: #1 1"]);
    },
  );

  it("names ten messages of a long list, then how many more, and shows a long message cut short", () => {
    const sent = Array.from({ length: 25 }, (_, i) => `m${i}`);
    expect(onceInOrderProblems([], sent)).toEqual([
      `missing 25 of 25: ${sent
        .slice(0, 10)
        .map((text, i) => `#${i + 1} "${text}"`)
        .join(", ")}, and 15 more`,
    ]);
    expect(onceInOrderProblems([], ["x".repeat(200)])).toEqual([`missing 1 of 1: #1 "${"x".repeat(78)}…`]);
  });

  it("refuses a sent list that holds the same message twice: a repeat could not be told from a double", () => {
    expect(() => onceInOrderProblems(["hi", "hi"], ["hi", "there", "hi"])).toThrow(
      new TypeError(
        'sent holds the same message twice, "hi" (#1 and #3): number the messages, so that a doubled one can be ' +
          "told from a repeat",
      ),
    );
  });
});

describe("assertOnceInOrder", () => {
  it("returns when every message sent came once, in order", () => {
    expect(assertOnceInOrder(["x", "a", "b"], ["a", "b"])).toBeUndefined();
  });

  it("throws an Error that lists the problems and what was received", () => {
    expect(() => assertOnceInOrder(["b", "a", "a"], ["a", "b", "c"], { exact: true })).toThrow(
      new Error(
        [
          "Expected each of the 3 messages sent to be received once, in the order sent, and nothing else:",
          '  missing 1 of 3: #3 "c"',
          '  received more than once: #1 "a" (2 times)',
          '  out of order: #1 "a" came after #2 "b", which was sent after it',
          'received (3): "b", "a", "a"',
        ].join("\n"),
      ),
    );
  });
});
