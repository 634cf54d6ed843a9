import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RoomHistory } from "../../durable-objects/rooms/history.js";
import type { ShardRpc, StreamEntry } from "../../durable-objects/shards/shard-protocol.js";
import { roomObjects } from "../../src/room-object-client.js";
import { sessionProtocols } from "../../src/shared/session-protocol.js";
import { app } from "../worker/index.js";
import { openGate } from "../worker/gates.js";
import { reported } from "../worker/reports.js";
import { connect, eventually, heldReturn, hibernate, receiveJsonUntil, sessionClient } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `crowd-session-${Date.now()}-${++rooms}`;
const roomOf = (room: string, route = "/crowd-session/:room") => app.roomObject(env, room, { route });

/** Each shard as the room's sequencer counts it. */
async function shardRows(room: string, route?: string): Promise<Record<string, number>[]> {
  const [sequencer] = await roomObjects(roomOf(room, route));
  return runInDurableObject(sequencer!, (_, state) =>
    state.storage.sql
      .exec<Record<string, number>>(
        "SELECT shard, connections, held, sessions, resumable, delivered FROM hypern_shards ORDER BY shard",
      )
      .toArray(),
  );
}

describe("sessions in a room that spans several objects (a shard for each member)", () => {
  it(
    "resumes in the session's own shard, which kept the room's stream while it held only that " +
      "session, and keeps its place",
    async () => {
      const room = freshRoom();
      // ada stays away after her drop until the test lets her back: what is sent meanwhile is missed.
      const away = heldReturn();
      const ada = sessionClient(`/crowd-session/${room}`, { retry: away.retry });
      const first = await ada.welcomed();
      expect(first.session).toMatch(/^0\./); // the first shard
      const [bo, cy] = [sessionClient(`/crowd-session/${room}`), sessionClient(`/crowd-session/${room}`)];
      await bo.welcomed();
      await cy.welcomed();
      bo.client.send("before");
      await ada.received(1);
      ada.drop();
      for (const text of ["away 1", "away 2", "away 3"]) cy.client.send(text);
      await bo.received(4);
      // A newcomer meanwhile does not take the place kept for ada's session.
      const dee = sessionClient(`/crowd-session/${room}`);
      expect((await dee.welcomed()).session).not.toMatch(/^0\./);
      away.release();
      const second = await ada.welcomed(2);
      expect(second).toMatchObject({ recovered: true, missed: 3, id: first.id, session: first.session });
      dee.client.send("after");
      await ada.received(5);
      expect(ada.texts).toEqual(["before", "away 1", "away 2", "away 3", "after"]);
      expect(ada.replayed).toEqual(["away 1", "away 2", "away 3"]);
      expect((await roomObjects(roomOf(room))).length).toBe(5); // the sequencer and four shards
      // A shard that found a gap would have closed dee (to resume) before this next broadcast reached it.
      bo.client.send("later");
      await dee.received("later");
      expect(dee.welcomes).toHaveLength(1); // its new shard began at the stream's head: nothing was missed there
      for (const member of [ada, bo, cy, dee]) member.close();
    },
  );

  it(
    "a deploy (closeAll 1012 from Worker code), pushes while everyone is away, every object " +
      "evicted: all resume, nothing missed or doubled",
    async () => {
      const room = freshRoom();
      // Everyone stays away after the deploy until the pushes and the evictions are done.
      const away = heldReturn();
      const members = Array.from({ length: 4 }, () => sessionClient(`/crowd-session/${room}`, { retry: away.retry }));
      const welcomes = [];
      for (const member of members) welcomes.push(await member.welcomed());
      members[0]!.client.send("one");
      for (const member of members) await member.received(1);
      await roomOf(room).closeAll(1012, "deploying");
      await roomOf(room).broadcast("pushed 1", { room: "crowd-talk" });
      await roomOf(room).broadcast("pushed 2", { room: "crowd-talk" });
      await hibernate(roomOf(room));
      away.release();
      for (const [index, member] of members.entries()) {
        expect(await member.welcomed(2)).toMatchObject({
          recovered: true,
          missed: 2,
          session: welcomes[index]!.session,
        });
      }
      members[3]!.client.send("after");
      for (const member of members) {
        await member.received(4);
        expect(member.texts).toEqual(["one", "pushed 1", "pushed 2", "after"]);
      }
      for (const member of members) member.close();
    },
  );

  it(
    "replays to a session that joined before its shard had seen any broadcast of the room, and had " + "received none",
    async () => {
      const room = freshRoom();
      const away = heldReturn();
      const [ada, bo] = [
        sessionClient(`/crowd-session/${room}`, { retry: away.retry }),
        sessionClient(`/crowd-session/${room}`),
      ];
      await ada.welcomed();
      await bo.welcomed();
      ada.drop();
      bo.client.send("first");
      bo.client.send("second");
      await bo.received(2);
      away.release();
      expect(await ada.welcomed(2)).toMatchObject({ recovered: true, missed: 2 });
      expect(await ada.received(2)).toEqual(["first", "second"]); // the replay follows the welcome
      for (const member of [ada, bo]) member.close();
    },
  );

  it(
    "loses, doubles and reorders nothing while members drop and every object is evicted or the sequencer reset " +
      "mid-stream",
    { timeout: 60_000 },
    async () => {
      const room = freshRoom();
      const members = Array.from({ length: 8 }, () => sessionClient(`/crowd-session/${room}`));
      for (const member of members) await member.welcomed();
      const senders = [members[1]!, members[6]!];
      let faults = 0;
      let streaming = true;
      const chaos = (async () => {
        for (let round = 1; streaming; round++) {
          await new Promise((resolve) => setTimeout(resolve, 15));
          const [sequencer] = await roomObjects(roomOf(room));
          if (round % 3 === 0) members[round % members.length]!.drop();
          else if (round % 3 === 1 && sequencer !== undefined) {
            // workerd prints one "uncaught exception ... broken.outputGateBroken; jsg.Error: reset by the test"
            // line for each abort() (the reset is that exception): expected, not a leak of this test.
            await runInDurableObject(sequencer, (_, state) => state.abort("reset by the test")).catch(() => undefined);
          } else await hibernate(roomOf(room)).catch(() => undefined);
          faults += 1;
        }
      })();
      const perSender = 50;
      for (let i = 0; i < perSender; i++) {
        for (const [index, sender] of senders.entries()) sender.client.send(`s${index}-${i}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const total = perSender * senders.length;
      await Promise.all(members.map((member) => member.received(total, { timeout: 40_000 })));
      streaming = false;
      await chaos;
      // One more broadcast, once the faults have stopped: a late double of anything before it comes before it.
      senders[0]!.client.send("end");
      await Promise.all(members.map((member) => member.received("end", { timeout: 40_000 })));
      const order = members[0]!.texts;
      expect(order.at(-1)).toBe("end");
      expect(new Set(order).size).toBe(total + 1);
      for (const member of members) expect(member.texts).toEqual(order);
      for (const [index] of senders.entries()) {
        expect(order.filter((text) => text.startsWith(`s${index}-`))).toEqual(
          Array.from({ length: perSender }, (_, i) => `s${index}-${i}`),
        );
      }
      for (const member of members) expect(member.resets).toEqual([]);
      console.log(
        `sharded sessions under faults: ${faults} faults (drops, sequencer resets, evictions of every object) ` +
          `during ${total} broadcasts to ${members.length} members`,
      );
      for (const member of members) member.close();
    },
  );

  it(
    "a direct message that waits for the shard's own broadcast to come back is in storage at once, and goes out " +
      "right after it",
    async () => {
      const ada = sessionClient(`/crowd-session/${freshRoom()}`);
      await ada.welcomed();
      ada.client.send("!held:one");
      await ada.received("kept:1");
      expect(ada.texts).toEqual(["one", "direct:one", "kept:1"]);
      ada.close();
    },
  );

  it("a made-up resume token naming a shard does not take the place it keeps for a session", async () => {
    const room = freshRoom();
    const away = heldReturn();
    const ada = sessionClient(`/crowd-session/${room}`, { retry: away.retry });
    const first = await ada.welcomed();
    ada.drop();
    await eventually(async () => expect((await shardRows(room))[0]).toMatchObject({ held: 0, resumable: 1 }));
    const forged = await connect(`/crowd-session/${room}`, {
      protocols: sessionProtocols({ session: first.session.replace(/\..*/, ".made-up"), seq: 0, rooms: {} }),
    });
    const welcome = await forged.receiveJson<{ session: string; recovered: boolean; lost?: string }>();
    expect(welcome).toMatchObject({ recovered: false, lost: "expired" });
    expect(welcome.session).toMatch(/^1\./);
    away.release();
    expect(await ada.welcomed(2, { timeout: 6_000 })).toMatchObject({ recovered: true, session: first.session });
    forged.close();
    ada.close();
  });

  it(
    "resumes at home after the shard was reset (its sockets gone without a close event, its counts at the " +
      "sequencer stale)",
    { timeout: 20_000 },
    async () => {
      const room = freshRoom();
      const ada = sessionClient(`/crowd-session/${room}`, { backoff: { firstMs: 300, longestMs: 300 } });
      const first = await ada.welcomed();
      const bo = sessionClient(`/crowd-session/${room}`);
      await bo.welcomed();
      const [, home] = await roomObjects(roomOf(room));
      // workerd prints an "uncaught exception ... broken.outputGateBroken; jsg.Error: reset by the test" line for the
      // abort: expected.
      await runInDurableObject(home!, (_, state) => state.abort("reset by the test")).catch(() => undefined);
      expect(await ada.welcomed(2, { timeout: 6_000 })).toMatchObject({ recovered: true, session: first.session });
      for (const member of [ada, bo]) member.close();
    },
  );

  it(
    "starts the shards' copies of the log anew with the room's (clearHistory): a resume right after " +
      "it is told, nothing cleared is replayed",
    async () => {
      const room = freshRoom();
      const away = heldReturn();
      const [ada, bo] = [
        sessionClient(`/crowd-session/${room}`, { retry: away.retry }),
        sessionClient(`/crowd-session/${room}`),
      ];
      await ada.welcomed();
      await bo.welcomed();
      bo.client.send("old");
      await ada.received(1);
      ada.drop();
      bo.client.send("then cleared");
      await bo.received(2);
      bo.client.send("!clear");
      // bo's handler takes its messages one at a time: once it has taken this one, the clear is done.
      bo.client.send("!nothing");
      await eventually(() => expect(bo.client.pending).toBe(0));
      away.release();
      await ada.welcomed(2, { timeout: 6_000 });
      await eventually(() =>
        expect(ada.resets.map(({ room: name, reason }) => [name, reason])).toEqual([["crowd-talk", "epoch"]]),
      );
      bo.client.send("new");
      await ada.received(2);
      expect(ada.texts).toEqual(["old", "new"]);
      for (const member of [ada, bo]) member.close();
    },
  );

  it(
    "a shard that held no session drops its copies: a session that joins there later loses nothing " +
      "it did not miss",
    async () => {
      const room = freshRoom();
      const [ada, bo] = [sessionClient(`/crowd-session/${room}`), sessionClient(`/crowd-session/${room}`)];
      expect((await ada.welcomed()).session).toMatch(/^0\./);
      await bo.welcomed();
      bo.client.send("a1");
      await ada.received(1);
      ada.close(); // the session ends: shard 0 holds nothing, and leaves the stream (the sequencer forgets it)
      await eventually(async () => expect((await shardRows(room)).map(({ shard }) => shard)).toEqual([1]));
      bo.client.send("b1");
      bo.client.send("b2");
      await bo.received(3);
      const away = heldReturn();
      const cy = sessionClient(`/crowd-session/${room}`, { retry: away.retry });
      expect((await cy.welcomed()).session).toMatch(/^0\./);
      cy.drop();
      bo.client.send("x");
      await bo.received(4);
      away.release();
      expect(await cy.welcomed(2, { timeout: 6_000 })).toMatchObject({ recovered: true, missed: 1 });
      expect(cy.resets).toEqual([]);
      expect(await cy.received(1)).toEqual(["x"]); // the replay follows the welcome
      for (const member of [bo, cy]) member.close();
    },
  );

  it(
    "a session whose client never comes back: once its window passes, its shard leaves the stream",
    { timeout: 30_000 },
    async () => {
      const room = freshRoom();
      const [ada, bo] = [
        sessionClient(`/crowd-session/${room}`, { backoff: { firstMs: 60_000, longestMs: 60_000 } }),
        sessionClient(`/crowd-session/${room}`),
      ];
      await ada.welcomed();
      await bo.welcomed();
      ada.drop();
      bo.client.send("one");
      await bo.received(1);
      await eventually(async () =>
        expect((await shardRows(room))[0]).toMatchObject({ connections: 0, sessions: 1, resumable: 1 }),
      );
      // The window is 2 s: then shard 0 holds nothing, and the sequencer forgets it (no delivery goes there).
      await eventually(async () => expect((await shardRows(room)).map(({ shard }) => shard)).toEqual([1]), 20_000);
      bo.client.send("two");
      await bo.received(2);
      ada.client.close("done");
      bo.close();
    },
  );

  it(
    "resumes a session whose older socket is still open (the server has not seen it drop) in its " + "full shard",
    async () => {
      const room = freshRoom();
      const ada = sessionClient(`/crowd-session/${room}`);
      const first = await ada.welcomed();
      const again = await connect(`/crowd-session/${room}`, {
        protocols: sessionProtocols({ session: first.session, seq: 0, rooms: {} }),
      });
      expect(await again.receiveJson()).toMatchObject({ recovered: true, session: first.session });
      again.close();
      ada.client.close("done");
    },
  );

  it("two sessions of one shard resuming at once, their handlers slow to accept: both recovered there", async () => {
    const room = freshRoom();
    const sessions: string[] = [];
    for (let i = 0; i < 2; i++) {
      const socket = await connect(`/crowd-pair/${room}`, { protocols: sessionProtocols(null) });
      sessions.push((await socket.receiveJson<{ session: string }>()).session);
      socket.close(4000, "gone for a moment");
    }
    expect(sessions.every((session) => session.startsWith("0."))).toBe(true);
    await eventually(async () =>
      expect((await shardRows(room, "/crowd-pair/:room"))[0]).toMatchObject({ held: 0, resumable: 2 }),
    );
    const resumed = await Promise.all(
      sessions.map((session) =>
        connect(`/crowd-pair/${room}?delay=100`, { protocols: sessionProtocols({ session, seq: 0, rooms: {} }) }),
      ),
    );
    const welcomes = await Promise.all(resumed.map((socket) => socket.receiveJson()));
    for (const [index, welcome] of welcomes.entries())
      expect(welcome).toMatchObject({ recovered: true, session: sessions[index] });
    for (const socket of resumed) socket.close();
  });

  it(
    "a shard's alarm (a deadline, the app's) reports nothing to the sequencer when its counts are " + "unchanged",
    async () => {
      const room = freshRoom();
      const ada = sessionClient(`/crowd-session/${room}`);
      await ada.welcomed();
      const [sequencer, shard] = await roomObjects(roomOf(room));
      const reportNumber = () =>
        runInDurableObject(
          sequencer!,
          (_, state) =>
            state.storage.sql.exec<{ report: number }>("SELECT report FROM hypern_shards WHERE shard = 0").one().report,
        );
      /** How many reports the shard has made: it numbers each as it makes it, before sending it. */
      const reportsMade = () =>
        runInDurableObject(shard!, (_, state) => state.storage.kv.get<number>("hypern:shard:reports") ?? 0);
      // Every report the shard made on the way here has reached the sequencer.
      await eventually(async () => expect(await reportNumber()).toBe(await reportsMade()));
      const before = await reportNumber();
      for (let i = 0; i < 5; i++) {
        await runInDurableObject(shard!, (_, state) => state.storage.setAlarm(Date.now() + 3_600_000));
        expect(await runDurableObjectAlarm(shard!)).toBe(true);
      }
      // A report an alarm made would be numbered by now (in the alarm's own turn), whether it has reached the sequencer
      // yet or not.
      expect(await reportsMade()).toBe(before);
      expect(await reportNumber()).toBe(before);
      ada.client.close("done");
    },
  );

  it(
    "a late joiner's history, read from the sequencer while the room broadcasts, comes before the live broadcasts, " +
      "in order, each once",
    { timeout: 30_000 },
    async () => {
      const room = freshRoom();
      const bo = sessionClient(`/crowd-pair/${room}`);
      await bo.welcomed();
      for (let i = 0; i < 5; i++) bo.client.send(`before ${i}`);
      await bo.received(5);
      let streaming = true;
      const stream = (async () => {
        for (let i = 0; streaming; i++) {
          bo.client.send(`live ${i}`);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      for (let joiner = 0; joiner < 6; joiner++) {
        const socket = await connect(`/crowd-pair/${room}?late`, { protocols: sessionProtocols(null) });
        // The welcome, the history's last 3, then live broadcasts: read until three of those have come.
        let broadcasts = 0;
        const frames = await receiveJsonUntil<{ t: string; o?: number }>(
          socket,
          ({ t }) => t === "b" && ++broadcasts === 6,
          { timeout: 10_000 },
        );
        const offsets = frames.filter(({ t }) => t === "b").map(({ o }) => o as number);
        expect(offsets.length).toBeGreaterThan(3);
        // The last 3 of the log, then every broadcast after them: one unbroken run.
        expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => offsets[0]! + i));
        socket.close();
      }
      streaming = false;
      await stream;
      bo.close();
    },
  );

  it(
    "a shard that finds part of the stream never reached it while it held connections closes its " +
      "session clients, which learn of the gap",
    async () => {
      const room = freshRoom();
      const [ada, bo] = [sessionClient(`/crowd-session/${room}`), sessionClient(`/crowd-session/${room}`)];
      await ada.welcomed();
      await bo.welcomed();
      bo.client.send("one");
      await ada.received(1);
      const [, homeStub] = await roomObjects(roomOf(room));
      const home = homeStub as unknown as ShardRpc;
      // Where ada's shard's copy of the log stands.
      const { epoch, offset } = await runInDurableObject(homeStub!, (_, state) =>
        new RoomHistory(state.storage.sql).head("crowd-talk"),
      );
      // As if the sequencer had stopped delivering here (seq 2 to 9 and offsets 2 to 9 never came).
      const entry: StreamEntry = {
        id: "replayed",
        seq: 10,
        room: "crowd-talk",
        kind: "broadcast",
        frame: "ten",
        exclude: [],
        position: { epoch, offset: offset + 9 },
        code: 0,
        reason: "",
      };
      expect(await home.shardDeliver([entry], 10)).toBe(10);
      await ada.welcomed(2);
      await eventually(() => expect(ada.resets.map(({ reason }) => reason)).toEqual(["trimmed"]));
      for (const member of [ada, bo]) member.close();
    },
  );

  it(
    "a resume whose session its client ends meanwhile (its older socket closed with 1000) becomes a " +
      "new session, said so",
    async () => {
      const room = freshRoom();
      const ada = await connect(`/crowd-pair/${room}`, { protocols: sessionProtocols(null) });
      const first = await ada.receiveJson<{ session: string }>();
      // The resume's handler waits at a gate before it accepts; meanwhile the older socket ends the session.
      const key = `${room}-resume`;
      const resuming = connect(`/crowd-pair/${room}?gate=${key}`, {
        protocols: sessionProtocols({ session: first.session, seq: 0, rooms: {} }),
      });
      await eventually(() => expect(reported(key)).toEqual(["at the gate"]));
      ada.close(1000, "done");
      await ada.closed();
      openGate(key);
      const again = await resuming;
      const welcome = await again.receiveJson<{ session: string; recovered: boolean; lost?: string }>();
      expect(welcome).toMatchObject({ recovered: false, lost: "expired" });
      expect(welcome.session).not.toBe(first.session);
      again.close();
    },
  );
});

describe("a shard emptied, then placed in again", () => {
  it("starts anew: its own members' leaving, delivered to it while it held nothing, is no gap", async () => {
    const room = freshRoom();
    const route = "/who-sharded/:room";
    const ada = sessionClient(`/who-sharded/${room}?user=ada`);
    expect((await ada.welcomed()).session).toMatch(/^0\./);
    const bo = sessionClient(`/who-sharded/${room}?user=bo`);
    expect((await bo.welcomed()).session).toMatch(/^1\./);
    bo.close(); // its session ends: shard 1 holds nothing, and is told of bo's leaving as it says so
    await eventually(async () => expect((await shardRows(room, route)).map(({ shard }) => shard)).toEqual([0]));
    for (const mood of ["a", "b", "c"]) ada.client.send(`mood:${mood}`); // the stream goes on without shard 1
    const cy = sessionClient(`/who-sharded/${room}?user=cy`);
    expect((await cy.welcomed()).session).toMatch(/^1\./);
    ada.client.send("mood:d");
    await eventually(() => expect(cy.client.presence("present").get("ada")?.d).toMatchObject({ mood: "d" }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // A false gap would have closed cy (1012) for a resume.
    expect(cy.welcomes).toHaveLength(1);
    for (const member of [ada, cy]) member.close();
  });
});
