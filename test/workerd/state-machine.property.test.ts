import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reported } from "../worker/reports.js";
import type { ScriptOp } from "../worker/script.js";
import { eventually, upgrade } from "./client.js";
import { TestSocket } from "./client.js";

/** What the client sends once connected: text (JSON or not) and binary frames. */
type ClientFrame = { kind: "text"; data: string } | { kind: "bytes"; data: number[] };

type Outcome = { outcome: string; state: string };

const MAX_DATA_BYTES = 4096; // The test app's default limits.maxDataBytes.

/**
 * The reference model: what each call must do, given the state machine in the API table and the
 * frames the client sent. Returns the outcomes, what the client must receive, and how it must end.
 */
function model(ops: readonly ScriptOp[], frames: readonly ClientFrame[]) {
  let state = "connecting";
  let accepted = false;
  let closeCode: number | null = null;
  let next = 0;
  const outcomes: Outcome[] = [];
  const sent: string[] = [];
  const result = (outcome: string): void => void outcomes.push({ outcome, state });
  for (const [index, op] of ops.entries()) {
    switch (op.op) {
      case "accept":
        if (!accepted && state === "connecting") {
          accepted = true;
          state = "connected";
          result("ok");
        } else result("WebSocketError");
        break;
      case "sendText":
      case "sendBytes":
      case "sendJson":
        if (state === "connected") {
          sent.push(
            op.op === "sendText"
              ? `text ${index}`
              : op.op === "sendBytes"
                ? `bytes ${index}`
                : JSON.stringify({ index }),
          );
          result("ok");
        } else result("WebSocketError");
        break;
      case "receive": {
        if (state === "connecting") result("WebSocketError");
        else if (state !== "connected") result("WebSocketDisconnect");
        else if (next >= frames.length) result("TimeoutError");
        else {
          const frame = frames[next++] as ClientFrame;
          const isJson = frame.kind === "text" && parsesAsJson(frame.data);
          const fits =
            op.kind === "any" ||
            (op.kind === "text" && frame.kind === "text") ||
            (op.kind === "bytes" && frame.kind === "bytes") ||
            (op.kind === "json" && isJson);
          result(fits ? "ok" : "WebSocketError");
        }
        break;
      }
      case "close":
        if (!isSendable(op.code) || byteLength(op.reason) > 123) result("RangeError");
        else {
          if (state === "connecting") state = "disconnected";
          else if (state === "connected") {
            state = "disconnecting";
            closeCode = op.code;
          }
          result("ok");
        }
        break;
      case "setData":
        result(JSON.stringify("x".repeat(op.size)).length > MAX_DATA_BYTES ? "WebSocketError" : "ok");
        break;
    }
  }
  return { outcomes, sent, accepted, closeCode: accepted ? (closeCode ?? 1000) : null };
}

const parsesAsJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
const isSendable = (code: number): boolean =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
const byteLength = (text: string): number => new TextEncoder().encode(text).byteLength;

const opArbitrary: fc.Arbitrary<ScriptOp> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: "accept" as const }) },
  { weight: 3, arbitrary: fc.constantFrom("sendText", "sendBytes", "sendJson").map((op) => ({ op })) },
  {
    weight: 4,
    arbitrary: fc.constantFrom("any", "text", "bytes", "json").map((kind) => ({ op: "receive" as const, kind })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("close" as const),
      code: fc.constantFrom(999, 1000, 1001, 1004, 1005, 1006, 1011, 1013, 1015, 2500, 3000, 4999, 5000),
      reason: fc.oneof(fc.constant(""), fc.constant("bye"), fc.constant("é".repeat(62))),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(10, 5000).map((size) => ({ op: "setData" as const, size })) },
);

const frameArbitrary: fc.Arbitrary<ClientFrame> = fc.oneof(
  fc
    .oneof(
      fc.constant('{"a":1}'),
      fc.constant("[1,2]"),
      fc.constant("not json"),
      fc.constant(""),
      fc.string({ maxLength: 8 }),
    )
    .map((data) => ({ kind: "text" as const, data })),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }).map((data) => ({ kind: "bytes" as const, data })),
);

/** Scripts whose receives outnumber the frames by at most one, so that at most one receive waits out its timeout. */
const scenarioArbitrary = fc
  .tuple(fc.array(opArbitrary, { minLength: 1, maxLength: 14 }), fc.array(frameArbitrary, { maxLength: 6 }))
  .filter(([ops, frames]) => ops.filter((op) => op.op === "receive").length <= frames.length + 1);

let runs = 0;

describe("the connection state machine, property-based against the real runtime", () => {
  it(
    "every call's outcome and state, what the client receives and how it ends match the model",
    { timeout: 120_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArbitrary, async ([ops, frames]) => {
          const key = `script-${++runs}`;
          const expected = model(ops, frames);
          const response = await upgrade(`/script?report=${key}&ops=${encodeURIComponent(JSON.stringify(ops))}`);
          if (!expected.accepted) {
            expect(response.status).toBe(403);
          } else {
            expect(response.status).toBe(101);
            const client = new TestSocket(response, "/script");
            for (const frame of frames) client.send(frame.kind === "text" ? frame.data : new Uint8Array(frame.data));
            const closed = await client.closed();
            expect(closed.code).toBe(expected.closeCode);
            const received = (await client.collect(0)).map((frame) =>
              typeof frame === "string" ? frame : `bytes ${new Uint8Array(frame)[0]}`,
            );
            expect(received).toEqual(expected.sent);
          }
          const outcomes = await eventually(() => {
            const list = reported(key);
            if ((list.at(-1) as { done?: boolean } | undefined)?.done !== true) throw new Error("script not done");
            return list.slice(0, -1);
          });
          expect(outcomes).toEqual(expected.outcomes);
        }),
        { numRuns: 60 },
      );
    },
  );
});
