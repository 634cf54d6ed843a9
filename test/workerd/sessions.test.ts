import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../worker/index.js";
import { reported } from "../worker/reports.js";
import { roomObjects } from "../../src/room-object-client.js";
import { SESSION_PROTOCOL } from "../../src/client/index.js";
import { sessionProtocols } from "../../src/shared/session-protocol.js";
import { openGate } from "../worker/gates.js";
import { connect, eventually, heldReturn, hibernate, receiveJsonUntil, sessionClient } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `sessions-${Date.now()}-${++rooms}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const roomObjectOf = (room: string) => app.roomObject(env, room, { route: "/session/:room" });
/** The sessions a room object of /session/:room keeps (each until its window has passed). */
async function sessionRows(room: string): Promise<number> {
  const [stub] = await roomObjects(roomObjectOf(room));
  return runInDurableObject(
    stub!,
    (_, state) =>
      state.storage.sql.exec<{ count: number }>("SELECT COUNT(*) AS count FROM hypern_sessions").one().count,
  );
}

describe("sessions: resume with nothing lost or doubled", () => {
  it(
    "welcomes a new session; messages come back with their place in the room's log, and are " + "acknowledged",
    async () => {
      const room = freshRoom();
      const ada = sessionClient(`/session/${room}?name=ada&report=${room}`);
      expect(await ada.welcomed()).toMatchObject({ recovered: false, missed: 0 });
      ada.client.send("hello");
      expect(await ada.received(1)).toEqual(["hello"]);
      await eventually(() => expect(ada.client.pending).toBe(0));
      ada.close();
    },
  );

  it(
    "resumes after a drop: same id, data and rooms; the broadcasts it missed in order, then the " + "live ones",
    async () => {
      const room = freshRoom();
      const [ada, bo] = [
        sessionClient(`/session/${room}?name=ada&report=${room}-ada`),
        sessionClient(`/session/${room}?name=bo`),
      ];
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
    },
  );

  it("resumes in a room object shared with a route without sessions (one group), the plain route first", async () => {
    const room = freshRoom();
    const plain = await connect(`/mixed/plain/${room}`);
    const ada = sessionClient(`/mixed/session/${room}`);
    const first = await ada.welcomed();
    plain.send("before");
    await ada.received(1);
    ada.drop();
    plain.send("while away");
    expect(await plain.receive()).toBe("before");
    expect(await plain.receive()).toBe("while away");
    expect(await ada.welcomed(2)).toMatchObject({ recovered: true, missed: 1, id: first.id });
    // Dormant, ada's socket is known as a session's by its tag, which the object reads only if its group has sessions.
    await hibernate(app.roomObject(env, room, { group: "mixed" }));
    plain.send("after");
    await ada.received(3);
    expect(ada.texts).toEqual(["before", "while away", "after"]);
    ada.close();
    plain.close();
  });

  it(
    "sends again what the server had not acknowledged when the connection dropped, and the server " +
      "processes it once",
    async () => {
      const room = freshRoom();
      const [ada, bo] = [sessionClient(`/session/${room}?name=ada`), sessionClient(`/session/${room}?name=bo`)];
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
    },
  );

  it(
    "processes once the messages a library close (a full queue, 1013) left untaken: the client " +
      "sends them again, the old handler never gets them",
    async () => {
      const room = freshRoom();
      const first = `${room}-first`;
      const [ada, bo] = [
        sessionClient(`/session/${room}?name=ada&gate=${first}&ends=${first}`),
        sessionClient(`/session/${room}?name=bo`),
      ];
      await ada.welcomed();
      await bo.welcomed();
      const all = Array.from({ length: 40 }, (_, i) => `ada ${i}`);
      // the first handler is not reading (it waits at a gate): its queue (16) overflows
      for (const text of all) ada.client.send(text);
      await ada.welcomed(2);
      openGate(first); // the first handler goes on, long after its connection was closed, and ends
      await bo.received(40);
      await eventually(() => expect(reported(first)).toContainEqual({ ended: expect.any(String), recovered: false }));
      // Whatever it had broadcast before it ended would come before this.
      bo.client.send("after the first handler ended");
      await bo.received("after the first handler ended");
      expect(bo.texts).toEqual([...all, "after the first handler ended"]);
      for (const member of [ada, bo]) member.close();
    },
  );

  it(
    "replays whole, in order, over several resumes, what is larger than the outbound budget allows " + "at once",
    async () => {
      const room = freshRoom();
      const [ada, bo] = [
        sessionClient(`/strict/session/${room}?token=ada`),
        sessionClient(`/strict/session/${room}?token=bo`),
      ];
      await ada.welcomed();
      await bo.welcomed();
      ada.drop();
      bo.client.send("40:600"); // 24 KB into the log while ada is away; a socket may receive 8 KiB at once
      const all = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(600, "f"));
      await ada.received(40, { timeout: 4_000 });
      expect(ada.texts).toEqual(all);
      expect(ada.welcomes.length).toBeGreaterThanOrEqual(4); // the first, then one resume per 8 KiB or so
      expect(ada.resets).toEqual([]);
      for (const member of [ada, bo]) member.close();
    },
  );

  it("never replays from before the session joined the room, whatever position the resume token claims", async () => {
    const room = freshRoom();
    const bo = sessionClient(`/session/${room}?name=bo`);
    await bo.welcomed();
    bo.client.send("before ada 1");
    bo.client.send("before ada 2");
    await bo.received(2);
    const ada = await connect(`/session/${room}?name=ada`, { protocols: [SESSION_PROTOCOL] });
    const { session } = await ada.receiveJson<{ session: string }>();
    bo.client.send("after ada joined");
    const { e: epoch } = await ada.receiveJson<{ e: string }>();
    ada.close(4000, "away");
    await ada.closed();
    const forged = sessionProtocols({ session, seq: 0, rooms: { talk: { epoch, offset: 0 } } });
    const back = await connect(`/session/${room}?name=ada`, { protocols: forged });
    expect(await back.receiveJson()).toMatchObject({ t: "w", recovered: true, missed: 1 });
    expect(await back.receiveJson()).toMatchObject({ t: "b", d: "after ada joined" });
    back.close();
    bo.close();
  });

  it("keeps a resumed connection's large headers when the connection it supersedes ends", async () => {
    const room = freshRoom();
    const headers = { Cookie: `c=${"x".repeat(17_000)}` }; // too large for the attachment: kept in storage
    const first = await connect(`/session/${room}?name=ada`, { protocols: [SESSION_PROTOCOL], headers });
    const { session } = await first.receiveJson<{ session: string }>();
    const second = await connect(`/session/${room}?name=ada`, {
      protocols: sessionProtocols({ session, seq: 0, rooms: {} }),
      headers,
    });
    expect(await second.receiveJson()).toMatchObject({ t: "w", recovered: true });
    expect((await first.closed()).code).toBe(3001); // superseded: its handler ends
    await hibernate(app.roomObject(env, room, { route: "/session/:room" }));
    second.sendJson({ t: "m", id: "c1", d: "!cookie" });
    const replies = await receiveJsonUntil<{ t: string }>(second, (frame) => frame.t === "m");
    expect(replies.at(-1)).toMatchObject({ d: `cookie ${headers.Cookie.length}` });
    second.close();
  });

  it("does not replay to a resumed client the broadcasts that left it out", async () => {
    const room = freshRoom();
    const [ada, bo] = [
      sessionClient(`/session/${room}?name=ada&excludeSelf`),
      sessionClient(`/session/${room}?name=bo&excludeSelf`),
    ];
    await ada.welcomed();
    await bo.welcomed();
    ada.client.send("ada's own");
    ada.drop(); // processed while ada is away: logged, leaving ada out
    await bo.received(1);
    bo.client.send("for ada");
    expect(await ada.welcomed(2)).toMatchObject({ recovered: true, missed: 1 });
    expect(await ada.received(1)).toEqual(["for ada"]);
    // bo's next message comes after anything else the resume might have replayed.
    bo.client.send("after the resume");
    await ada.received("after the resume");
    expect(ada.texts).toEqual(["for ada", "after the resume"]);
    for (const member of [ada, bo]) member.close();
  });

  it("replays the direct messages the client had not received when its connection dropped", async () => {
    const room = freshRoom();
    const ada = sessionClient(`/session/${room}?name=ada`);
    await ada.welcomed();
    ada.client.send("!direct:5");
    ada.drop(); // before the server's answers arrive: they are sent into a connection that is gone
    expect(await ada.welcomed(2)).toMatchObject({ recovered: true, missed: 5 });
    await ada.received(5);
    // Her next message's broadcast comes after anything else the resume might have replayed.
    ada.client.send("after the resume");
    await ada.received("after the resume");
    expect(ada.texts).toEqual(["direct 1", "direct 2", "direct 3", "direct 4", "direct 5", "after the resume"]);
    expect(ada.replayed).toEqual(ada.texts.slice(0, 5));
    ada.close();
  });

  it(
    "tells the client when its session expired: a new session, and which sends it did not get through",
    { timeout: 30_000 },
    async () => {
      const room = freshRoom();
      // It comes back once its session has ended: the route's window is 2 s, then the alarm ends it.
      const away = heldReturn();
      const ada = sessionClient(`/session/${room}?name=ada`, { retry: away.retry });
      const first = await ada.welcomed();
      ada.drop();
      ada.client.send("sent while away");
      await eventually(async () => expect(await sessionRows(room)).toBe(0), 15_000);
      away.release();
      const second = await ada.welcomed(2, { timeout: 8_000 });
      expect(second.recovered).toBe(false);
      expect(second.session).not.toBe(first.session);
      expect(ada.resets).toEqual([{ reason: "expired", unsent: [expect.any(String)] }]);
      ada.close();
    },
  );

  it("tells the client when a room's log cannot fill its gap: trimmed, or started anew", async () => {
    const room = freshRoom();
    // ada comes back each time once what she must miss has happened, not after a backoff that races it.
    const away = heldReturn();
    const [ada, bo] = [
      sessionClient(`/session/${room}?brief&name=ada`, { retry: away.retry }),
      sessionClient(`/session/${room}?brief&name=bo`),
    ];
    await ada.welcomed();
    await bo.welcomed();
    bo.client.send("seen");
    await ada.received(1);
    ada.drop();
    for (let i = 0; i < 10; i++) bo.client.send(`missed ${i}`); // the room keeps 5
    await bo.received(11);
    away.release();
    await ada.welcomed(2);
    expect(ada.welcomes[1]).toMatchObject({ recovered: true, missed: 0 });
    expect(ada.resets).toEqual([{ reason: "trimmed", room: "brief", unsent: [] }]);

    away.hold();
    ada.drop();
    bo.client.send("!clear");
    // bo's handler takes its messages one at a time: once it has taken this one (it sends nothing), the clear is done.
    bo.client.send("!direct:0");
    await eventually(() => expect(bo.client.pending).toBe(0));
    away.release();
    await ada.welcomed(3);
    expect(ada.resets.at(-1)).toEqual({ reason: "epoch", room: "brief", unsent: [] });
    for (const member of [ada, bo]) member.close();
  });

  it("survives a simulated deploy: every socket closed with 1012, every client resumes", async () => {
    const room = freshRoom();
    const members = [sessionClient(`/session/${room}?name=a`), sessionClient(`/session/${room}?name=b`)];
    for (const member of members) await member.welcomed();
    expect(await app.roomObject(env, room, { route: "/session/:room" }).closeAll(1012, "deploy")).toBe(2);
    for (const member of members) expect(await member.welcomed(2)).toMatchObject({ recovered: true });
    members[0]!.client.send("after the deploy");
    for (const member of members) expect(await member.received(1)).toEqual(["after the deploy"]);
    for (const member of members) member.close();
  });
});

describe("sessions under faults", () => {
  it("a broadcast a member saw is in the room's log, even when every object restarts right after it", async () => {
    const room = freshRoom();
    const [ada, bo] = [sessionClient(`/session/${room}?name=ada`), sessionClient(`/session/${room}?name=bo`)];
    await ada.welcomed();
    await bo.welcomed();
    ada.client.send("just before the restart");
    await bo.received(1);
    await abortAllDurableObjects();
    // A late joiner reads the log: what bo saw was durable before bo could see it.
    const late = await connect(`/session/${room}?name=late&late`);
    expect(await late.receiveText()).toBe("just before the restart");
    for (const member of [ada, bo]) expect(await member.welcomed(2)).toMatchObject({ recovered: true, missed: 0 });
    expect(ada.texts).toEqual(["just before the restart"]);
    for (const member of [ada, bo]) member.close();
  });

  it("closes a session client that stops acknowledging with 1013, in a room and on its direct messages", async () => {
    const room = freshRoom();
    const laggard = await connect(`/session/${room}?name=laggard`, { protocols: [SESSION_PROTOCOL] });
    expect(await laggard.receiveJson()).toMatchObject({ t: "w", recovered: false });
    laggard.sendJson({ t: "a", s: 0, r: { talk: 0 } }); // acknowledges once, then never again
    const talker = sessionClient(`/session/${room}?name=talker`);
    await talker.welcomed();
    for (let i = 0; i < 220; i++) talker.client.send(`${i}`);
    expect(await laggard.closed({ timeout: 10_000 })).toEqual({
      code: 1013,
      reason: "Too far behind: acknowledge what you receive, and resume to catch up",
    });

    const silent = await connect(`/session/${room}?name=silent`, { protocols: [SESSION_PROTOCOL] });
    await silent.receiveJson();
    silent.sendJson({ t: "m", id: "flood", d: "!direct:250" });
    expect((await silent.closed({ timeout: 10_000 })).code).toBe(1013);
    talker.close();
  });

  it(
    "closes with 1013 a session member that never acknowledges, its handler dormant since the object hibernated",
    { timeout: 20_000 },
    async () => {
      const room = freshRoom();
      const never = await connect(`/session/${room}?name=never`, { protocols: [SESSION_PROTOCOL] });
      expect(await never.receiveJson()).toMatchObject({ t: "w", recovered: false });
      await hibernate(app.roomObject(env, room, { route: "/session/:room" }));
      const talker = sessionClient(`/session/${room}?name=talker`);
      await talker.welcomed();
      for (let i = 0; i < 220; i++) talker.client.send(`${i}`);
      expect(await never.closed({ timeout: 10_000 })).toEqual({
        code: 1013,
        reason: "Too far behind: acknowledge what you receive, and resume to catch up",
      });
      talker.close();
    },
  );

  it(
    "ends, once their window has passed, the sessions whose sockets vanished in a reset (no close event came)",
    { timeout: 30_000 },
    async () => {
      const room = freshRoom();
      const gone = await connect(`/session/${room}?name=gone`, { protocols: [SESSION_PROTOCOL] });
      await gone.receiveJson();
      await abortAllDurableObjects(); // its socket goes with the object; the client never comes back
      const stays = await connect(`/session/${room}?name=stays`, { protocols: [SESSION_PROTOCOL] });
      await stays.receiveJson();
      const [stub] = await roomObjects(app.roomObject(env, room, { route: "/session/:room" }));
      const sessions = () =>
        runInDurableObject(
          stub!,
          (_, state) =>
            state.storage.sql.exec<{ count: number }>("SELECT COUNT(*) AS count FROM hypern_sessions").one().count,
        );
      expect(await sessions()).toBe(2);
      await eventually(async () => expect(await sessions()).toBe(1), 20_000); // the window is 2 s; the alarm ends it
      stays.close();
    },
  );

  it(
    "loses, duplicates and reorders nothing for any client through drops, evictions, resets and a deploy",
    { timeout: 60_000 },
    async () => {
      const room = freshRoom();
      const names = ["a", "b", "c", "d"];
      const members = names.map((name) => sessionClient(`/session/${room}?name=${name}`));
      for (const member of members) await member.welcomed();
      const perMember = 100;
      let faults = 0;
      let sending = true;
      const chaos = (async () => {
        const random = seeded(7);
        while (sending) {
          await sleep(15 + Math.floor(random() * 30));
          const pick = random();
          if (pick < 0.5) members[Math.floor(random() * members.length)]!.drop();
          else if (pick < 0.75)
            await hibernate(app.roomObject(env, room, { route: "/session/:room" })).catch(() => undefined);
          else if (pick < 0.9) await abortAllDurableObjects();
          else
            await app
              .roomObject(env, room, { route: "/session/:room" })
              .closeAll(1012, "deploy")
              .catch(() => undefined);
          faults += 1;
        }
      })();
      const dropAfterSending = seeded(11);
      for (let i = 0; i < perMember; i++) {
        for (const [index, member] of members.entries()) {
          member.client.send(`${names[index]}${i}`);
          // Now and then the connection drops right after a send: processed or not, acknowledged or not.
          if (dropAfterSending() < 0.05) {
            member.drop();
            faults += 1;
          }
        }
        await sleep(10);
      }
      await eventually(() => {
        for (const member of members)
          if (member.client.pending > 0) throw new Error(`${member.client.pending} pending`);
      }, 30_000);
      sending = false;
      await chaos;
      const total = names.length * perMember;
      for (const member of members) await member.received(total, { timeout: 30_000 });
      // One more message, once the faults have stopped: a late double of anything before it comes before it.
      members[0]!.client.send("end");
      for (const member of members) await member.received("end", { timeout: 30_000 });
      const reference = members[0]!.texts;
      expect(reference.at(-1)).toBe("end");
      expect(new Set(reference).size).toBe(total + 1);
      for (const member of members) expect(member.texts).toEqual(reference);
      // Each sender's own messages stay in the order it sent them.
      for (const name of names)
        expect(reference.filter((text) => text.startsWith(name))).toEqual(
          Array.from({ length: perMember }, (_, i) => `${name}${i}`),
        );
      console.log(`sessions under faults: ${faults} faults during ${total} messages to ${names.length} members`);
      for (const member of members) member.close();
    },
  );
});

/** A small deterministic random source, so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
