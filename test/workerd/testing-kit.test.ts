import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../worker/index.js";
import { reported } from "../worker/reports.js";
import type { SessionTestClient } from "../../src/testing/index.js";
import { assertOnceInOrder, deploy, hibernate, resetRoomObjects, sessionClient } from "../../src/testing/index.js";

let rooms = 0;
const freshRoom = (): string => `testing-kit-${Date.now()}-${++rooms}`;
const BURST = 40;

/** What one member's handler runs reported: whether each was a resumed session, or a rerun after a wake. */
type HandlerRun = { recovered: boolean; resumed: boolean };

/**
 * Two members of a chat where every text goes to everyone, sender included (test/worker/sessions.ts):
 * both send a burst, `fault` strikes halfway through it, and each member must end with every message
 * of each sender once, in the order sent (the two senders' messages interleave), and nothing else.
 * Resolves with the members and their handlers' runs.
 */
async function burstThrough(
  fault: (room: string, members: readonly SessionTestClient[]) => unknown,
): Promise<{ members: readonly SessionTestClient[]; runs: HandlerRun[][] }> {
  const room = freshRoom();
  const names = ["ada", "bo"];
  const members = names.map((name) => sessionClient(`/session/${room}?name=${name}&report=${room}-${name}`));
  for (const member of members) await member.welcomed();
  const sent = members.map((_, sender) => Array.from({ length: BURST }, (_, i) => `${sender}:${i}`));
  for (let i = 0; i < BURST; i++) {
    for (const [sender, member] of members.entries()) member.send(sent[sender]![i]!);
    if (i === BURST / 2) await fault(room, members);
  }
  // Each sender's last message: once it is there, so must be all that was sent before it.
  for (const member of members) for (const own of sent) await member.received(own.at(-1)!);
  // One more message: a late double of anything before it comes before it.
  members[0]!.send("end");
  for (const member of members) await member.received("end");
  for (const member of members) {
    for (const own of sent) assertOnceInOrder(member.texts, own);
    expect(member.texts.at(-1)).toBe("end");
    expect(member.texts).toHaveLength(2 * BURST + 1);
    expect(member.resets).toEqual([]);
  }
  for (const member of members) member.close();
  return { members, runs: names.map((name) => reported(`${room}-${name}`) as HandlerRun[]) };
}

const roomObject = (room: string) => app.roomObject(env, room, { route: "/session/:room" });

describe("sessionClient through the faults of hypern-workers/testing: each message once, in order", () => {
  it("drop(): both members cut off during a burst resume, and the messages they missed are replayed", async () => {
    const { members } = await burstThrough((_, cut) => {
      for (const member of cut) member.drop();
    });
    for (const member of members) {
      expect(member.welcomes.map(({ recovered }) => recovered)).toEqual([false, true]);
      expect(member.replayed.length).toBeGreaterThan(0);
    }
  });

  it("deploy(): every connection closed with 1012, and every member resumes", async () => {
    let closed = 0;
    const { members, runs } = await burstThrough(async (room) => (closed = await deploy(roomObject(room))));
    expect(closed).toBe(2);
    for (const member of members) expect(member.welcomes.map(({ recovered }) => recovered)).toEqual([false, true]);
    for (const run of runs) expect(run).toMatchObject([{ recovered: false }, { recovered: true }]);
  });

  it(
    "resetRoomObjects(): the room object loses its memory and its sockets, and every member resumes " + "from storage",
    async () => {
      const { members, runs } = await burstThrough(() => resetRoomObjects());
      for (const member of members) expect(member.welcomes.map(({ recovered }) => recovered)).toEqual([false, true]);
      for (const run of runs) expect(run).toMatchObject([{ recovered: false }, { recovered: true }]);
    },
  );

  it("hibernate(): an eviction keeps the connections (nobody resumes), and the handlers run again", async () => {
    const { members, runs } = await burstThrough((room) => hibernate(roomObject(room)));
    for (const member of members) expect(member.welcomes).toHaveLength(1);
    for (const run of runs)
      expect(run).toMatchObject([
        { recovered: false, resumed: false },
        { recovered: false, resumed: true },
      ]);
  });
});
