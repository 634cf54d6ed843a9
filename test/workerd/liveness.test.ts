import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SESSION_PROTOCOL } from "../../src/client/index.js";
import { objectName } from "../../src/shared/room-address.js";
import { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE } from "../../src/shared/session-protocol.js";
import { app } from "../worker/index.js";
import { constructions } from "../worker/hibernation.js";
import { reported } from "../worker/reports.js";
import { connect, eventually, hibernate, runAlarm } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `beat-${Date.now()}-${++rooms}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** /beat/:room: a heartbeat every 100 ms, closed after 400 ms of silence. */
const roomObjectOf = (room: string, route = "/beat/:room") => app.roomObject(env, room, { route });
const constructed = (room: string, route = "/beat/:room"): number =>
  constructions.get(objectName({ group: route, room })) ?? 0;

describe("the heartbeat", () => {
  it("is answered by the runtime without waking a hibernated room object", async () => {
    // A route whose silence timeout (a minute) is far away: nothing but a message can wake the object here.
    const room = freshRoom();
    const client = await connect(`/beat-slow/${room}`);
    client.send("hi");
    expect(await client.receive()).toBe("echo:hi");
    await hibernate(roomObjectOf(room, "/beat-slow/:room"));
    const before = constructed(room, "/beat-slow/:room");
    for (let i = 0; i < 20; i++) {
      client.send(HEARTBEAT_REQUEST);
      expect(await client.receive()).toBe(HEARTBEAT_RESPONSE);
    }
    expect(constructed(room, "/beat-slow/:room")).toBe(before);
    // A message does wake it (and the handler never saw the heartbeats).
    client.send("after");
    expect(await client.receive()).toBe("echo:after");
    expect(constructed(room, "/beat-slow/:room")).toBe(before + 1);
    client.close();
  });

  it("closes a connection silent past its timeout with 3008, from the alarm, and leaves one that beats", async () => {
    const room = freshRoom();
    const [silent, beating] = [await connect(`/beat/${room}?report=silent-${room}`), await connect(`/beat/${room}`)];
    await hibernate(roomObjectOf(room));
    const before = constructed(room);
    // The silent one's 400 ms run out meanwhile: the object's own alarm closes it.
    let beats = 0;
    while (silent.closedEvent === null && beats < 100) {
      beating.send(HEARTBEAT_REQUEST);
      expect(await beating.receive()).toBe(HEARTBEAT_RESPONSE);
      beats += 1;
      await sleep(40);
    }
    expect(await silent.closed()).toEqual({ code: 3008, reason: "No heartbeat: the connection was silent too long" });
    // The object woke for its alarm (about twice per timeout at most), never for a heartbeat.
    const wakes = constructed(room) - before;
    expect(wakes).toBeLessThanOrEqual(Math.ceil((beats * 40) / 200) + 1);
    expect(wakes).toBeLessThan(beats);
    await eventually(() =>
      expect(reported(`silent-${room}`)).toEqual([
        expect.objectContaining({ closed: { code: 3008, reason: "No heartbeat: the connection was silent too long" } }),
      ]),
    );
    beating.send("still here");
    expect(await beating.receive()).toBe("echo:still here");
    beating.close();
  });

  it("counts a message as heard: a client that sends messages and no heartbeat stays open", async () => {
    const room = freshRoom();
    const [talking, silent] = [await connect(`/beat/${room}`), await connect(`/beat/${room}`)];
    // Messages 100 ms apart for twice the 400 ms timeout; the silent one's timeout runs out meanwhile.
    for (let i = 0; i < 8; i++) {
      talking.send(`m${i}`);
      expect(await talking.receive()).toBe(`echo:m${i}`);
      await sleep(100);
    }
    await runAlarm(roomObjectOf(room));
    expect((await silent.closed()).code).toBe(3008);
    talking.send("still here");
    expect(await talking.receive()).toBe("echo:still here");
    expect(talking.closedEvent).toBeNull();
    talking.close();
  });

  it("tells a session client its heartbeat in the welcome, and a silent session can be resumed", async () => {
    const room = freshRoom();
    const client = await connect(`/beat/${room}`, { protocols: [SESSION_PROTOCOL] });
    const welcome = await client.receiveJson<{ hb?: { i: number; t: number }; session: string }>();
    expect(welcome.hb).toEqual({ i: 100, t: 400 });
    await sleep(500);
    await runAlarm(roomObjectOf(room));
    expect((await client.closed()).code).toBe(3008);
    const { sessionProtocols } = await import("../../src/shared/session-protocol.js");
    const back = await connect(`/beat/${room}`, {
      protocols: sessionProtocols({ session: welcome.session, seq: 0, rooms: {} }),
    });
    expect(await back.receiveJson()).toMatchObject({ t: "w", recovered: true, session: welcome.session });
    back.close();
  });
});
