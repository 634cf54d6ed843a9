import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SESSION_PROTOCOL } from "../../src/client/index.js";
import { sessionProtocols } from "../../src/shared/session-protocol.js";
import { roomObjects, roomStub } from "../../src/room-object-client.js";
import { openGate } from "../worker/gates.js";
import { app } from "../worker/index.js";
import type { TestSocket } from "./client.js";
import { connect, eventually, heldReturn, hibernate, receiveJsonUntil, runAlarm, sessionClient } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `hardening-${Date.now()}-${++rooms}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session socket driven by hand: it speaks the protocol's frames itself and acknowledges nothing unless told. */
async function rawSession(path: string): Promise<{ socket: TestSocket; welcome: { session: string; id: string } }> {
  const socket = await connect(path, { protocols: [SESSION_PROTOCOL] });
  const welcome = await socket.receiveJson<{ t: string; session: string; id: string }>();
  expect(welcome.t).toBe("w");
  return { socket, welcome };
}

/** A session frame from the server, as these tests read it. */
type ServerFrame = { t: string; d?: string; id?: string; s?: number; o?: number; e?: string };
const broadcastOf = (text: string) => (frame: ServerFrame) => frame.t === "b" && frame.d === text;

const failures = vi.spyOn(console, "error");
afterEach(() => {
  // Nothing a client sent made a WebSocket event throw (the guard logs it when one does).
  expect(failures.mock.calls.filter((args) => String(args[0]).includes("a WebSocket event failed"))).toEqual([]);
  failures.mockClear();
});

describe("a session client's frames are checked before anything is decoded", () => {
  it.each([
    ["a number for text", '{"t":"m","id":"x","d":100000000,"b":""}'],
    ["both payloads", '{"t":"m","id":"x","d":"text","b":"AAAA"}'],
    ["bytes that are not base64", '{"t":"m","id":"x","b":"not base64!"}'],
    ["base64 cut short", '{"t":"m","id":"x","b":"AAA"}'],
    ["an id too long", JSON.stringify({ t: "m", id: "i".repeat(129), d: "x" })],
    ["no id", '{"t":"m","d":"x"}'],
    ["a negative acknowledgement", '{"t":"a","s":-1}'],
    ["a fraction", '{"t":"a","s":1.5}'],
    ["an offset that is text", '{"t":"a","s":0,"r":{"talk":"1"}}'],
    ["an epoch that is a number", '{"t":"a","s":0,"e":{"talk":1}}'],
    ["an array", "[1,2,3]"],
    ["an unknown type", '{"t":"z"}'],
  ])("closes with 1007 on %s", async (_, frame) => {
    const { socket } = await rawSession(`/session/${freshRoom()}`);
    socket.send(frame);
    expect(await socket.closed()).toEqual({ code: 1007, reason: "Invalid session frame: see the session protocol" });
  });

  it("closes with 1007 at the first of 3,000 malformed frames sent in one go, and nothing throws", async () => {
    const { socket } = await rawSession(`/session/${freshRoom()}`);
    for (let i = 0; i < 3_000; i++) socket.send(`{"t":"m","id":"m${i}","b":"%%%%"}`);
    expect((await socket.closed()).code).toBe(1007);
  });

  it(
    "counts a frame against the limits before it reads it: a frame over the size limit is 1009, " + "whatever it holds",
    async () => {
      const { socket } = await rawSession(`/session/${freshRoom()}`);
      socket.send(`{"t":"m","id":"big","d":"${"x".repeat(1 << 20)}"}`);
      expect((await socket.closed()).code).toBe(1009);
    },
  );
});

describe("a client message is processed once", () => {
  it("when its id comes again while the first is still waiting in the queue", async () => {
    const room = freshRoom();
    // `?slow`: the handler waits 300 ms before it reads its first message.
    const { socket } = await rawSession(`/session/${room}?slow`);
    for (let i = 0; i < 3; i++) socket.sendJson({ t: "m", id: "same", d: "once" });
    // The handler takes its messages in order: once this one's broadcast is here, a second "once" would be too.
    socket.sendJson({ t: "m", id: "after", d: "after" });
    const frames = await receiveJsonUntil<ServerFrame>(socket, broadcastOf("after"));
    expect(frames.filter(broadcastOf("once"))).toHaveLength(1);
    expect(frames.filter(({ t, id }) => t === "k" && id === "same").length).toBeGreaterThanOrEqual(1);
    // Sent again later, once processed: acknowledged again, not processed again.
    socket.sendJson({ t: "m", id: "same", d: "once" });
    expect(await socket.receiveJson()).toEqual({ t: "k", id: "same" });
    socket.sendJson({ t: "m", id: "after again", d: "after again" });
    const later = await receiveJsonUntil<ServerFrame>(socket, broadcastOf("after again"));
    // Nothing but the marker's acknowledgement and broadcast: no second "once".
    expect(later.filter(({ t, id, d }) => !(t === "k" && id === "after again") && d !== "after again")).toEqual([]);
  });
});

describe("acknowledgements are checked against what was sent", () => {
  it("closes with 1002 on an acknowledgement of a direct message never sent", async () => {
    const { socket } = await rawSession(`/session/${freshRoom()}`);
    socket.send('{"t":"m","id":"d","d":"!direct:2"}');
    for (let i = 0; i < 3; i++) await socket.receive(); // k, direct 1, direct 2 (in some order)
    socket.sendJson({ t: "a", s: 2 });
    socket.sendJson({ t: "a", s: 3 });
    expect(await socket.closed()).toEqual({
      code: 1002,
      reason: "Protocol error: acknowledged direct message 3, but the last sent is 2",
    });
  });

  it(
    "closes with 1002 on an acknowledgement of an offset never sent in a room; one of another epoch " + "is let be",
    async () => {
      const { socket } = await rawSession(`/session/${freshRoom()}`);
      socket.sendJson({ t: "m", id: "1", d: "hello" });
      const frames = [
        await socket.receiveJson<{ t: string; e?: string; o?: number }>(),
        await socket.receiveJson<{ t: string; e?: string; o?: number }>(),
      ];
      const broadcast = frames.find(({ t }) => t === "b");
      expect(broadcast).toBeDefined();
      socket.sendJson({ t: "a", s: 0, r: { talk: (broadcast?.o ?? 0) + 10 }, e: { talk: "an-epoch-cleared-since" } });
      socket.sendJson({ t: "a", s: 0, r: { talk: broadcast?.o }, e: { talk: broadcast?.e } });
      // A message after both: its acknowledgement and broadcast come, and nothing else (no close) before them.
      socket.sendJson({ t: "m", id: "2", d: "still open" });
      const after = await receiveJsonUntil<ServerFrame>(socket, broadcastOf("still open"));
      expect(after.filter(({ t, id, d }) => !(t === "k" && id === "2") && !(t === "b" && d === "still open"))).toEqual(
        [],
      );
      const last = after.at(-1)?.o ?? 0;
      socket.sendJson({ t: "a", s: 0, r: { talk: last + 1 } });
      expect(await socket.closed()).toEqual({
        code: 1002,
        reason: `Protocol error: acknowledged offset ${last + 1} in room "talk", but the last sent is ${last}`,
      });
    },
  );
});

describe("direct-message backpressure", () => {
  it("closes a client past maxUnacknowledged unacknowledged messages, not at it, across a wake", async () => {
    const room = freshRoom();
    // /session/:room allows 200 unacknowledged messages.
    const { socket } = await rawSession(`/session/${room}`);
    const isDirect = (n: number) => (frame: ServerFrame) => frame.t === "m" && frame.s === n;
    socket.sendJson({ t: "m", id: "1", d: "!direct:100" });
    await receiveJsonUntil<ServerFrame>(socket, isDirect(100));
    await hibernate(app.roomObject(env, room, { route: "/session/:room" }));
    socket.sendJson({ t: "m", id: "2", d: "!direct:100" });
    await receiveJsonUntil<ServerFrame>(socket, isDirect(200));
    // At the bound, not past it: still open. A message processed already is only acknowledged (nothing
    // kept for the client): that acknowledgement comes, where a close at 200 would have come instead.
    socket.sendJson({ t: "m", id: "1", d: "!direct:100" });
    expect(await socket.receiveJson()).toEqual({ t: "k", id: "1" });
    socket.sendJson({ t: "m", id: "3", d: "!direct:1" });
    expect(await socket.closed()).toEqual({
      code: 1013,
      reason: "Too far behind: acknowledge what you receive, and resume to catch up",
    });
  });
});

describe("resuming a session too far behind", () => {
  it(
    "ends it (expired) when the client has not taken what it was sent: resumes cannot grow it one " + "message each",
    async () => {
      const room = freshRoom();
      const { socket, welcome } = await rawSession(`/session/${room}`);
      socket.sendJson({ t: "m", id: "1", d: "!direct:201" });
      expect((await socket.closed()).code).toBe(1013);
      const again = await connect(`/session/${room}`, {
        protocols: sessionProtocols({ session: welcome.session, seq: 0, rooms: {} }),
      });
      expect(await again.receiveJson()).toMatchObject({ t: "w", recovered: false, lost: "expired" });
      again.close();
    },
  );

  it("resumes it when the client has taken what it was sent", async () => {
    const room = freshRoom();
    const { socket, welcome } = await rawSession(`/session/${room}`);
    socket.sendJson({ t: "m", id: "1", d: "!direct:201" });
    expect((await socket.closed()).code).toBe(1013);
    const again = await connect(`/session/${room}`, {
      protocols: sessionProtocols({ session: welcome.session, seq: 201, rooms: {} }),
    });
    expect(await again.receiveJson()).toMatchObject({ t: "w", recovered: true, missed: 0, session: welcome.session });
    again.close();
  });
});

describe("a room's history past its age", () => {
  it("leaves storage when it is due, from the alarm, without another broadcast", async () => {
    const room = freshRoom();
    const client = await connect(`/fleeting/${room}`);
    client.send("soon gone");
    expect(await client.receive()).toBe("soon gone");
    const stub = roomStub(app.roomObject(env, room, { route: "/fleeting/:room" }));
    const rows = () =>
      runInDurableObject(
        stub,
        (_, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM hypern_history").one().n,
      );
    expect(await rows()).toBe(1);
    await sleep(400);
    await runAlarm(app.roomObject(env, room, { route: "/fleeting/:room" }));
    expect(await rows()).toBe(0);
    client.close();
  });
});

describe.each(["/keep", "/keep-sharded"])("what a handler sends while its session client is away, in %s", (route) => {
  it("is kept for the client's resume when the client drops during the handler's await", async () => {
    const room = freshRoom();
    const member = sessionClient(`${route}/${room}`);
    await member.welcomed();
    member.client.send("slow:first");
    await member.received(1);
    member.drop();
    await member.received(2, { timeout: 8_000 });
    expect(member.texts).toEqual(["first", "reply:first"]);
    expect(member.resets).toEqual([]);
    member.close();
  });

  it(
    "is kept for the client's resume when the server restarts it (closeAll 1012) during the " + "handler's await",
    async () => {
      const room = freshRoom();
      const member = sessionClient(`${route}/${room}`);
      await member.welcomed();
      member.client.send("slow:second");
      await member.received(1);
      await app.roomObject(env, room, { route: `${route}/:room` }).closeAll(1012, "deploy");
      await member.received(2, { timeout: 8_000 });
      expect(member.texts).toEqual(["second", "reply:second"]);
      expect(member.resets).toEqual([]);
      member.close();
    },
  );

  it("comes back on the resume between the room's broadcasts, in the order the handler made them", async () => {
    const room = freshRoom();
    const away = heldReturn();
    const member = sessionClient(`${route}/${room}`, { retry: away.retry });
    await member.welcomed();
    member.client.send("seq:z:4");
    await member.received(1);
    member.drop();
    away.release();
    await member.received("z-c3", { timeout: 8_000 });
    expect(member.texts).toEqual([0, 1, 2, 3].flatMap((i) => [`z-b${i}`, `z-d${i}`, `z-c${i}`]));
    expect(member.resets).toEqual([]);
    member.close();
  });

  it("reaches through a member handle a member whose session client dropped, on its resume", async () => {
    const room = freshRoom();
    const [away, teller] = [sessionClient(`${route}/${room}`), sessionClient(`${route}/${room}`)];
    await away.welcomed();
    await teller.welcomed();
    teller.client.send("collect");
    await teller.received(1);
    expect(teller.texts).toEqual(["collected:1"]);
    // Gone without a close frame: its session may resume. The handle's send waits for it.
    away.drop();
    teller.client.send("tell");
    await teller.received(2);
    expect(teller.texts[1]).toBe("told:1");
    await away.received(1, { timeout: 8_000 });
    expect(away.texts).toEqual(["told"]);
    away.close();
    teller.close();
  });
});

describe("dropped sessions are bounded", () => {
  const address = (n: number) => ({ "CF-Connecting-IP": `198.51.100.${n}` });
  const sessionRows = (stub: DurableObjectStub) =>
    runInDurableObject(
      stub,
      (_, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM hypern_sessions").one().n,
    );
  /** The sessions waiting for their client to come back (their socket gone, their window running). */
  const awaySessionRows = (stub: DurableObjectStub) =>
    runInDurableObject(
      stub,
      (_, state) =>
        state.storage.sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM hypern_sessions WHERE expires_at IS NOT NULL")
          .one().n,
    );

  it(
    "per client address: a new session ends the address's oldest dropped ones past " + "maxResumablePerClient (16)",
    async () => {
      const room = freshRoom();
      for (let i = 0; i < 30; i++) {
        const socket = await connect(`/session/${room}`, { protocols: [SESSION_PROTOCOL], headers: address(7) });
        await socket.receiveJson();
        socket.close(4000, "gone"); // not a goodbye: the session can be resumed
        await socket.closed();
      }
      // Another address is not counted with it.
      const other = await connect(`/session/${room}`, { protocols: [SESSION_PROTOCOL], headers: address(8) });
      await other.receiveJson();
      const stub = roomStub(app.roomObject(env, room, { route: "/session/:room" }));
      expect(await sessionRows(stub)).toBe(16 + 1);
    },
  );

  it(
    "per room: kept places count with sockets against maxConnectionsPerRoom, and the oldest dropped " +
      "session makes room",
    async () => {
      const { strict } = await import("../worker/strict.js");
      const room = freshRoom();
      // The strict app holds at most 3 connections per room.
      for (let i = 0; i < 12; i++) {
        const socket = await connect(`/strict/session/${room}?token=t`, { protocols: [SESSION_PROTOCOL] });
        await socket.receiveJson();
        socket.close(4000, "gone");
        await socket.closed();
      }
      expect(await sessionRows(roomStub(strict.roomObject(env, room, { route: "/strict/session/:room" })))).toBe(3);
    },
  );

  it(
    "in bytes: a client that does not acknowledge is closed past maxUnacknowledgedBytes; a session whose client is " +
      "away ends there",
    { timeout: 30_000 },
    async () => {
      const { socket } = await rawSession(`/keep/${freshRoom()}`);
      socket.sendJson({ t: "m", id: "1", d: "flood:30:100" });
      expect(await socket.closed({ timeout: 10_000 })).toEqual({
        code: 1013,
        reason: "Too far behind: acknowledge what you receive, and resume to catch up",
      });

      // It stays away until the handler has sent past the bound: the handler waits at a gate until the
      // server has seen the drop, and the client comes back once the session has ended.
      const room = freshRoom();
      const stub = roomStub(app.roomObject(env, room, { route: "/keep/:room" }));
      const away = heldReturn();
      const member = sessionClient(`/keep/${room}`, { retry: away.retry });
      await member.welcomed();
      member.client.send(`flood:30:100:${room}`);
      await eventually(() => expect(member.client.pending).toBe(0)); // taken: its handler waits at the gate
      member.drop();
      await eventually(async () => expect(await awaySessionRows(stub)).toBe(1));
      openGate(room);
      await eventually(async () => expect(await sessionRows(stub)).toBe(0));
      away.release();
      await member.welcomed(2, { timeout: 10_000 });
      expect(member.resets.map(({ reason }) => reason)).toEqual(["expired"]);
      member.close();
    },
  );

  it("over shards: one client's drops stay in one shard instead of spreading the room's fan-out", async () => {
    const room = freshRoom();
    // Two connections per shard; the client comes and goes 20 times from one address.
    for (let i = 0; i < 20; i++) {
      const socket = await connect(`/crowd-pair/${room}`, { protocols: [SESSION_PROTOCOL], headers: address(9) });
      await socket.receiveJson();
      socket.close(4000, "gone");
      await socket.closed();
    }
    const shards = (await roomObjects(app.roomObject(env, room, { route: "/crowd-pair/:room" }))).length - 1;
    expect(shards).toBe(1);
  });
});
