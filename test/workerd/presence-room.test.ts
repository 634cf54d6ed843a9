import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PresenceChange, PresenceEntry } from "../../src/client/index.js";
import type { SessionTestClient } from "../../src/testing/index.js";
import { app } from "../worker/index.js";
import { resetRoomObjects } from "../../src/testing/index.js";
import { deploy, eventually, hibernate, runAlarm, sessionClient } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `who-${Date.now()}-${++rooms}`;

/** A session client of the presence routes, with every presence change it was told. */
function person(route: string, room: string, user: string, options: Parameters<typeof sessionClient>[1] = {}) {
  const client = sessionClient(`${route}/${room}?user=${user}`, options);
  const changes: PresenceChange[] = [];
  client.client.on("presence", (change) => changes.push(change));
  const people = (): Record<string, Pick<PresenceEntry, "n" | "a">> =>
    Object.fromEntries([...client.client.presence("present")].map(([key, { n, a }]) => [key, { n, a }]));
  return { client, changes, people };
}

/** What a client was told of `people`, as (joined, updated, left) keys, whole snapshots marked. */
function told(changes: readonly PresenceChange[]): string[] {
  return changes
    .filter(({ room }) => room === "present")
    .map(({ whole, joined, updated, left }) =>
      whole
        ? `whole:${joined.map(({ k }) => k).join(",")}`
        : [
            ...joined.map(({ k }) => `+${k}`),
            ...updated.map(({ k, n, a }) => `~${k}:${n}${a ? "away" : ""}`),
            ...left.map((k) => `-${k}`),
          ].join(" "),
    );
}

describe.each(["/who", "/who-sharded"])("presence in %s", (route) => {
  const roomObject = (room: string) => app.roomObject(env, room, { route: `${route}/:room` });

  it("tells a newcomer the room whole, then everyone what changes; a user's tabs are one entry", async () => {
    const room = freshRoom();
    const ada = person(route, room, "ada");
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false } }));
    const bo = person(route, room, "bo");
    await eventually(() => expect(bo.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    const boAgain = person(route, room, "bo"); // a second tab
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 2, a: false } }));
    boAgain.client.close();
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    bo.client.send("mood:sunny");
    await eventually(() =>
      expect(ada.client.client.presence("present").get("bo")?.d).toEqual({ user: "bo", mood: "sunny" }),
    );
    bo.client.close();
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false } }));
    expect(told(ada.changes)).toEqual(["whole:ada", "+bo", "~bo:2", "~bo:1", "~bo:1", "-bo"]);
    ada.client.close();
  });

  it("a member whose client drops is away, not gone; back on its resume, with no leave and no join", async () => {
    const room = freshRoom();
    const ada = person(route, room, "ada");
    const bo = person(route, room, "bo", { backoff: { firstMs: 300, longestMs: 300 } });
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    bo.client.drop();
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 0, a: true } }));
    await bo.client.welcomed(2);
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    expect(told(ada.changes).filter((line) => line.includes("-bo"))).toEqual([]);
    for (const one of [ada, bo]) one.client.close();
  });

  it("a deploy (1012 to every connection) ends in everyone back, with no leave and no join", async () => {
    const room = freshRoom();
    const [ada, bo] = [person(route, room, "ada"), person(route, room, "bo")];
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    const before = [ada.changes.length, bo.changes.length];
    await deploy(roomObject(room));
    await ada.client.welcomed(2);
    await bo.client.welcomed(2);
    for (const one of [ada, bo])
      await eventually(() => expect(one.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    // Each was told the room whole as it came back, and nobody joined or left.
    for (const [index, one] of [ada, bo].entries()) {
      await eventually(() =>
        expect(told(one.changes.slice(before[index])).filter((line) => line.startsWith("whole"))).toHaveLength(1),
      );
      expect(
        told(one.changes.slice(before[index])).filter((line) => /(^| )[-+]/.test(line) && !line.startsWith("whole")),
      ).toEqual([]);
    }
    for (const one of [ada, bo]) one.client.close();
  });

  it("a reset (memory and sockets gone) ends in everyone back, the first to resume too, with no leave", async () => {
    const room = freshRoom();
    const [ada, bo] = [person(route, room, "ada"), person(route, room, "bo")];
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    await resetRoomObjects();
    await ada.client.welcomed(2);
    await bo.client.welcomed(2);
    for (const one of [ada, bo])
      await eventually(() => expect(one.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    for (const one of [ada, bo]) expect(told(one.changes).filter((line) => /(^| )-/.test(line))).toEqual([]);
    for (const one of [ada, bo]) one.client.close();
  });

  it(
    "a handler that leaves the room as its loop ends leaves its member away, not gone, while its " +
      "session may resume",
    async () => {
      const room = freshRoom();
      const ada = person(route, room, "ada&leaveAtEnd");
      const bo = person(route, room, "bo");
      await eventually(() => expect(Object.keys(bo.people()).sort()).toEqual(["ada", "bo"]));
      const before = bo.changes.length;
      ada.client.drop();
      await eventually(() => expect(bo.people().ada).toEqual({ n: 0, a: true }));
      await ada.client.welcomed(2);
      await eventually(() => expect(bo.people().ada).toEqual({ n: 1, a: false }));
      expect(told(bo.changes.slice(before))).toEqual(["~ada:0away", "~ada:1"]);
      for (const one of [ada, bo]) one.client.close();
    },
  );

  it("one who resumes is told the room as it is now: who left while it was away is gone", async () => {
    const room = freshRoom();
    const [ada, bo, cy] = [person(route, room, "ada"), person(route, room, "bo"), person(route, room, "cy")];
    await eventually(() => expect(Object.keys(ada.people()).sort()).toEqual(["ada", "bo", "cy"]));
    ada.client.drop();
    await eventually(() => expect(bo.people().ada).toEqual({ n: 0, a: true }));
    cy.client.close();
    await eventually(() => expect(Object.keys(bo.people()).sort()).toEqual(["ada", "bo"]));
    await ada.client.welcomed(2);
    await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
    for (const one of [ada, bo]) one.client.close();
  });

  it(
    "one whose window ends leaves; the handler reads the same presence; it survives hibernation",
    { timeout: 20_000 },
    async () => {
      const room = freshRoom();
      const ada = person(route, room, "ada");
      const bo = person(route, room, "bo", { backoff: { firstMs: 60_000, longestMs: 60_000 } });
      await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 1, a: false } }));
      await hibernate(roomObject(room));
      bo.client.drop();
      await eventually(() => expect(ada.people()).toEqual({ ada: { n: 1, a: false }, bo: { n: 0, a: true } }));
      ada.client.send("who");
      await eventually(() =>
        expect(ada.client.json()).toContainEqual({
          who: expect.arrayContaining([expect.objectContaining({ key: "bo", connections: 0, away: true })]),
        }),
      );
      // The window is 1.5 s: then the alarm ends bo's session, and bo leaves.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      await runAlarm(roomObject(room));
      await eventually(() => expect(ada.people(), told(ada.changes).join(" | ")).toEqual({ ada: { n: 1, a: false } }));
      expect(told(ada.changes).at(-1)).toBe("-bo");
      ada.client.close();
      bo.client.close();
    },
  );

  it("every member is told the same changes in the same order", async () => {
    const room = freshRoom();
    const members = ["m0", "m1", "m2"].map((user) => person(route, room, user));
    for (const one of members) await eventually(() => expect(Object.keys(one.people())).toHaveLength(3));
    for (let i = 0; i < 5; i++) for (const [index, one] of members.entries()) one.client.send(`mood:${index}-${i}`);
    const last = (one: (typeof members)[number]) =>
      Object.values(
        Object.fromEntries([...one.client.client.presence("present")].map(([key, entry]) => [key, entry.d])),
      );
    for (const one of members)
      await eventually(() =>
        expect(last(one)).toEqual(
          expect.arrayContaining([
            { user: "m0", mood: "0-4" },
            { user: "m1", mood: "1-4" },
            { user: "m2", mood: "2-4" },
          ]),
        ),
      );
    // After its snapshot, each member saw the same updates in the same order.
    const after = (one: (typeof members)[number]) =>
      told(one.changes)
        .slice(told(one.changes).lastIndexOf(told(one.changes).find((line) => line.startsWith("whole")) ?? "") + 1)
        .filter((line) => line.includes("~"));
    const orders = members.map((one) =>
      one.changes
        .filter(({ room: name, whole }) => name === "present" && !whole)
        .flatMap(({ updated }) => updated.map(({ k, d }) => `${k}=${JSON.stringify(d)}`)),
    );
    const common = orders.map((order) => order.filter((line) => orders.every((other) => other.includes(line))));
    for (const order of common) expect(order).toEqual(common[0]);
    expect(after(members[0]!).length).toBeGreaterThan(0);
    for (const one of members) one.client.close();
  });

  it("a room that counts only says how many are here and away", async () => {
    const room = freshRoom();
    const [ada, bo] = [person(route, room, "ada"), person(route, room, "bo")];
    await eventually(() => expect(ada.client.client.presenceCounts("counted")).toEqual({ h: 2, a: 0 }));
    bo.client.close();
    await eventually(() => expect(ada.client.client.presenceCounts("counted")).toEqual({ h: 1, a: 0 }));
    ada.client.close();
  });
});

describe("presence of a resume closed as it is accepted", () => {
  it(
    "a resume whose replay overflows the outbound budget, closed (1013) as it is accepted, leaves its member away " +
      "in every room, not here in some",
    { timeout: 15_000 },
    async () => {
      const room = `strict-who-${Date.now()}`;
      const ada = sessionClient(`/strict/who/${room}?token=ada`, { backoff: { firstMs: 1_000, longestMs: 1_000 } });
      const bo = sessionClient(`/strict/who/${room}?token=bo`);
      await eventually(() => expect(bo.client.presenceCounts("strict-counted")).toEqual({ h: 2, a: 0 }));
      ada.drop();
      await eventually(() => expect(bo.client.presenceCounts("strict-counted")).toEqual({ h: 1, a: 1 }));
      // 200 entries while ada is away: some 16 KB to replay, and a socket may receive 8 KiB at once
      bo.client.send("200");
      await ada.welcomed(2);
      // The replay stopped at the budget, the first presence snapshot found none left: the connection closed
      // (1013) inside the handshake's accept, and ada's client waits a second before it resumes again.
      await eventually(() => expect(ada.client.state).not.toBe("open"));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(
        Object.fromEntries([...bo.client.presence("strict-present")].map(([key, { n, a }]) => [key, { n, a }])),
      ).toEqual({ ada: { n: 0, a: true }, bo: { n: 1, a: false } });
      expect(bo.client.presenceCounts("strict-counted")).toEqual({ h: 1, a: 1 });
      // Over the resumes that follow, ada gets all of it, and is back in both rooms.
      await ada.received(200, { timeout: 8_000 });
      await eventually(() => expect(bo.client.presenceCounts("strict-counted")).toEqual({ h: 2, a: 0 }));
      expect(bo.client.presence("strict-present").get("ada")).toMatchObject({ n: 1, a: false });
      ada.close();
      bo.close();
    },
  );
});

export type { SessionTestClient };
