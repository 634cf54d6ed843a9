import { abortAllDurableObjects, env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { app } from "../worker/index.js";
import { eventually, hibernate, sessionClient } from "./client.js";

type Step =
  | { kind: "send"; member: number }
  | { kind: "drop"; member: number }
  | { kind: "sendThenDrop"; member: number }
  | { kind: "evict" }
  | { kind: "reset" }
  | { kind: "deploy" }
  | { kind: "pause"; ms: number };

const MEMBERS = 3;
const member = fc.integer({ min: 0, max: MEMBERS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: member.map((index) => ({ kind: "send" as const, member: index })) },
  { weight: 2, arbitrary: member.map((index) => ({ kind: "drop" as const, member: index })) },
  { weight: 2, arbitrary: member.map((index) => ({ kind: "sendThenDrop" as const, member: index })) },
  { weight: 1, arbitrary: fc.constant({ kind: "evict" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reset" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "deploy" as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 30 }).map((ms) => ({ kind: "pause" as const, ms })) },
);

let rooms = 0;

describe("sessions, property-based over random drop points", () => {
  it(
    "every member ends with the same ordered log of every message, each once, whatever drops and restarts happen when",
    { timeout: 120_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
          const room = `property-${Date.now()}-${++rooms}`;
          const members = Array.from({ length: MEMBERS }, (_, index) =>
            sessionClient(`/session/${room}?name=m${index}`),
          );
          for (const one of members) await one.welcomed();
          const sent: string[][] = members.map(() => []);
          const roomClient = app.roomObject(env, room, { route: "/session/:room" });
          for (const [index, action] of steps.entries()) {
            if (action.kind === "send" || action.kind === "sendThenDrop") {
              const text = `m${action.member}:${index}`;
              members[action.member]!.client.send(text);
              sent[action.member]!.push(text);
              if (action.kind === "sendThenDrop") members[action.member]!.drop();
            } else if (action.kind === "drop") members[action.member]!.drop();
            else if (action.kind === "evict") await hibernate(roomClient).catch(() => undefined);
            else if (action.kind === "reset") await abortAllDurableObjects();
            else if (action.kind === "deploy") await roomClient.closeAll(1012, "deploy").catch(() => undefined);
            else await new Promise((resolve) => setTimeout(resolve, action.ms));
          }
          const total = sent.flat().length;
          await eventually(() => {
            for (const one of members)
              if (one.client.pending > 0 || one.texts.length < total) throw new Error("not caught up");
          }, 20_000);
          // One more message, once the faults are over: a late double of anything before it comes before it.
          members[0]!.client.send("end");
          for (const one of members) await one.received("end", { timeout: 20_000 });
          const reference = members[0]!.texts;
          expect(reference.at(-1)).toBe("end");
          expect(reference).toHaveLength(total + 1);
          expect(new Set(reference).size).toBe(total + 1);
          for (const one of members) expect(one.texts).toEqual(reference);
          for (const [index, own] of sent.entries())
            expect(reference.filter((text) => text.startsWith(`m${index}:`))).toEqual(own);
          for (const one of members) one.close();
        }),
        { numRuns: 40 },
      );
    },
  );
});
