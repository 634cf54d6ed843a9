import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../worker/index.js";
import { reported } from "../worker/reports.js";
import { eventually } from "./client.js";
import { Member } from "./session-member.js";

let rooms = 0;
const freshRoom = (): string => `sessions-${Date.now()}-${++rooms}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("sessions: resume with nothing lost or doubled", () => {
  it("welcomes a new session; messages come back with their place in the room's log, and are acknowledged", async () => {
    const room = freshRoom();
    const ada = new Member(`/session/${room}?name=ada&report=${room}`);
    expect(await ada.welcomed()).toMatchObject({ recovered: false, missed: 0 });
    ada.client.send("hello");
    expect(await ada.received(1)).toEqual(["hello"]);
    await eventually(() => expect(ada.client.pending).toBe(0));
    ada.close();
  });

  it("resumes after a drop: same id, data and rooms; the broadcasts it missed in order, then the live ones", async () => {
    const room = freshRoom();
    const [ada, bo] = [new Member(`/session/${room}?name=ada&report=${room}-ada`), new Member(`/session/${room}?name=bo`)];
    const first = await ada.welcomed();
    await bo.welcomed();
    bo.client.send("before");
    await ada.received(1);
    ada.drop();
    for (const text of ["while away 1", "while away 2", "while away 3"]) bo.client.send(text);
    await bo.received(4);
    const second = await ada.welcomed(2);
    expect(second).toMatchObject({ recovered: true, missed: 3, id: first.id, session: first.session });
    bo.client.send("after");
    await ada.received(5);
    expect(ada.texts).toEqual(["before", "while away 1", "while away 2", "while away 3", "after"]);
    expect(ada.replayed).toEqual(["while away 1", "while away 2", "while away 3"]);
    expect(reported(`${room}-ada`).at(-1)).toEqual({ id: first.id, recovered: true, resumed: false, name: "ada" });
    for (const member of [ada, bo]) member.close();
  });

  it("sends again what the server had not acknowledged when the connection dropped, and the server processes it once", async () => {
    const room = freshRoom();
    const [ada, bo] = [new Member(`/session/${room}?name=ada`), new Member(`/session/${room}?name=bo`)];
    await ada.welcomed();
    await bo.welcomed();
    for (let i = 0; i < 20; i++) {
      ada.client.send(`ada ${i}`);
      if (i % 5 === 2) ada.drop(); // mid-stream: some sent, some acknowledged, some neither
    }
    const all = Array.from({ length: 20 }, (_, i) => `ada ${i}`);
    await bo.received(20);
    await ada.received(20);
    await eventually(() => expect(ada.client.pending).toBe(0));
    expect(bo.texts).toEqual(all);
    expect(ada.texts).toEqual(all);
    for (const member of [ada, bo]) member.close();
  });

  it("replays the direct messages the client had not received when its connection dropped", async () => {
    const room = freshRoom();
    const ada = new Member(`/session/${room}?name=ada`);
    await ada.welcomed();
    ada.client.send("!direct:5");
    ada.drop(); // before the server's answers arrive: they are sent into a connection that is gone
    expect(await ada.welcomed(2)).toMatchObject({ recovered: true, missed: 5 });
    await ada.received(5);
    await sleep(50);
    expect(ada.texts).toEqual(["direct 1", "direct 2", "direct 3", "direct 4", "direct 5"]);
    expect(ada.replayed).toEqual(ada.texts);
    ada.close();
  });

  it("tells the client when its session expired: a new session, and which sends it did not get through", { timeout: 15_000 }, async () => {
    const room = freshRoom();
    // The route's window is 2 s; the first retry waits 2.2 to 4.4 s (half of it jitter).
    const ada = new Member(`/session/${room}?name=ada`, { backoff: { firstMs: 4_400, longestMs: 4_400 } });
    const first = await ada.welcomed();
    ada.drop();
    ada.client.send("sent while away");
    const second = await ada.welcomed(2, 8_000);
    expect(second.recovered).toBe(false);
    expect(second.session).not.toBe(first.session);
    expect(ada.resets).toEqual([{ reason: "expired", unsent: [expect.any(String)] }]);
    ada.close();
  });

  it("tells the client when a room's log cannot fill its gap: trimmed, or started anew", async () => {
    const room = freshRoom();
    const [ada, bo] = [new Member(`/session/${room}?brief&name=ada`), new Member(`/session/${room}?brief&name=bo`)];
    await ada.welcomed();
    await bo.welcomed();
    bo.client.send("seen");
    await ada.received(1);
    ada.drop();
    for (let i = 0; i < 10; i++) bo.client.send(`missed ${i}`); // the room keeps 5
    await bo.received(11);
    await ada.welcomed(2);
    expect(ada.welcomes[1]).toMatchObject({ recovered: true, missed: 0 });
    expect(ada.resets).toEqual([{ reason: "trimmed", room: "brief", unsent: [] }]);

    ada.drop();
    bo.client.send("!clear");
    await sleep(50);
    await ada.welcomed(3);
    expect(ada.resets.at(-1)).toEqual({ reason: "epoch", room: "brief", unsent: [] });
    for (const member of [ada, bo]) member.close();
  });

  it("survives a simulated deploy: every socket closed with 1012, every client resumes", async () => {
    const room = freshRoom();
    const members = [new Member(`/session/${room}?name=a`), new Member(`/session/${room}?name=b`)];
    for (const member of members) await member.welcomed();
    expect(await app.room(env, room, { route: "/session/:room" }).closeAll(1012, "deploy")).toBe(2);
    for (const member of members) expect(await member.welcomed(2)).toMatchObject({ recovered: true });
    members[0]!.client.send("after the deploy");
    for (const member of members) expect(await member.received(1)).toEqual(["after the deploy"]);
    for (const member of members) member.close();
  });
});
