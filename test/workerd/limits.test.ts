import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { STRICT_LIMITS, strict } from "../worker/strict.js";
import { reported } from "../worker/reports.js";
import { objectName } from "../../src/shared/room-address.js";
import { connect, eventually, hibernate, upgrade } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `strict-${Date.now()}-${++rooms}`;
const good = { Origin: "https://good.example" };

async function join(room: string, query = "token=alice") {
  const client = await connect(`/strict/room/${room}?${query}`, { headers: good });
  const hello = await client.receiveJson<{ data: unknown; headers: string[] }>();
  return { client, hello };
}

describe("admission in the Worker", () => {
  it("refuses an origin that is not allowed with 403, and lets allowed and origin-less clients in", async () => {
    const room = freshRoom();
    const evil = await upgrade(`/strict/room/${room}?token=alice`, { headers: { Origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect(await evil.text()).toBe("This origin may not open WebSocket connections here");
    expect((await upgrade(`/strict/room/${room}?token=alice`, { headers: good })).status).toBe(101);
    expect((await upgrade(`/strict/room/${room}?token=alice`)).status).toBe(101);
  });

  it(
    "authorize() refuses with its own Response, or admits with data that becomes ws.data and " + "survives hibernation",
    async () => {
      const room = freshRoom();
      const refused = await upgrade(`/strict/room/${room}`, { headers: good });
      expect(refused.status).toBe(401);
      expect(await refused.text()).toBe("Sign in first");

      const { client, hello } = await join(room, "token=alice");
      expect(hello.data).toEqual({ user: "alice", route: "/strict/room/:room" });
      expect(hello.headers).not.toContain("x-hypern-admission");
      await hibernate(strict.roomObject(env, room, { route: "/strict/room/:room" }));
      client.send('data:{"user":"alice","seen":1}');
      // The resumed handler greets again (this one does not guard with `resumed`): the data survived.
      expect(await client.receiveJson()).toMatchObject({
        resumed: true,
        data: { user: "alice", route: "/strict/room/:room" },
      });
      expect(await client.receiveJson()).toEqual({ data: { user: "alice", seen: 1 } });
    },
  );

  it("a client cannot forge the admitted data", async () => {
    const room = freshRoom();
    const forged = encodeURIComponent(JSON.stringify({ user: "admin" }));
    const client = await connect(`/strict/room/${room}?token=mallory`, {
      headers: { ...good, "X-Hypern-Admission": forged },
    });
    expect((await client.receiveJson<{ data: unknown }>()).data).toEqual({
      user: "mallory",
      route: "/strict/room/:room",
    });
  });

  it("a room object refuses upgrades that did not come through the app's Worker", async () => {
    const stub = env.STRICT.get(env.STRICT.idFromName(objectName({ group: "/strict/room/:room", room: freshRoom() })));
    const direct = await stub.fetch("http://example.com/strict/room/direct", { headers: { Upgrade: "websocket" } });
    expect(direct.status).toBe(400);
    expect(await direct.text()).toBe("This app admits connections through its Worker only");
  });

  it("validates room names made from client input: characters and length", async () => {
    for (const name of ["has%20space", "semi%3Bcolon", "x".repeat(257)]) {
      const response = await upgrade(`/strict/room/${name}?token=alice`, { headers: good });
      expect(response.status).toBe(400);
      expect(await response.text()).toBe("Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /");
    }
    expect((await upgrade(`/strict/room/caf%C3%A9:2.0@x~y-z?token=alice`, { headers: good })).status).toBe(101);
  });
});

describe("limits close with clear codes", () => {
  it("closes a connection that sends a message over maxMessageBytes with 1009, counting UTF-8 bytes", async () => {
    const { client } = await join(freshRoom());
    client.send("é".repeat(STRICT_LIMITS.maxMessageBytes / 2));
    expect(await client.receive()).toBe(`ok:${STRICT_LIMITS.maxMessageBytes / 2}`);
    client.send("é".repeat(STRICT_LIMITS.maxMessageBytes / 2 + 1));
    expect(await client.closed()).toEqual({
      code: 1009,
      reason: `Message too big: the limit is ${STRICT_LIMITS.maxMessageBytes} bytes`,
    });

    const binary = (await join(freshRoom())).client;
    binary.send(new Uint8Array(STRICT_LIMITS.maxMessageBytes + 1));
    expect((await binary.closed()).code).toBe(1009);
  });

  it("closes a connection that sends faster than its token bucket allows with 1008", async () => {
    const { client } = await join(freshRoom());
    // Past the burst, and past what the bucket refills while a loaded machine takes them in (2.5 s of it).
    for (let i = 0; i < STRICT_LIMITS.messageBurst * 6; i++) client.send(`m${i}`);
    expect(await client.closed()).toEqual({
      code: 1008,
      reason: `Too many messages: the limit is ${STRICT_LIMITS.messagesPerSecond} per second`,
    });
  });

  it("closes a connection that sends more bytes than its byte budget allows with 1008", async () => {
    const { client } = await join(freshRoom());
    // Ten messages of the largest size: within the message count's burst, over the 8 KiB byte burst
    // (and over what it refills while a loaded machine takes them in, up to half a second).
    for (let i = 0; i < STRICT_LIMITS.messageBurst; i++) client.send("b".repeat(STRICT_LIMITS.maxMessageBytes));
    expect(await client.closed()).toEqual({
      code: 1008,
      reason: `Too much data: the limit is ${STRICT_LIMITS.inboundBytesPerSecond} bytes per second`,
    });
  });

  it(
    "bounds what the server sends to one connection: past its outbound budget the send is not made, " +
      "the handler gets 1013",
    async () => {
      const { client } = await join(freshRoom(), "token=olga&report=outbound");
      client.send("flood:20:1000");
      const received: string[] = [];
      const closed = client.closed();
      for (;;) {
        const next = await Promise.race([client.receive().catch(() => null), closed.then(() => null)]);
        if (next === null) break;
        received.push(next as string);
      }
      const reason =
        `Too much to send: a connection receives at most ${STRICT_LIMITS.outboundBytesPerSecond} bytes ` + `per second`;
      expect(await closed).toEqual({ code: 1013, reason });
      // The greeting, then as many 1,000-character messages as fit the 8 KiB burst.
      expect(received.length).toBeLessThanOrEqual(1 + STRICT_LIMITS.outboundBurstBytes / 1000);
      expect(received.length).toBeGreaterThanOrEqual(STRICT_LIMITS.outboundBurstBytes / 1000 - 1);
      await eventually(() => expect(reported("outbound")).toEqual([{ code: 1013, reason }]));
    },
  );

  it("counts broadcasts and pushes against each member's outbound budget, dormant members included", async () => {
    const room = freshRoom();
    const { client } = await join(room, "token=pia");
    await hibernate(strict.roomObject(env, room, { route: "/strict/room/:room" }));
    // Pushes until one is not made: the budget refills while they go, so how many fit is the burst and
    // what the time they took refilled (none to speak of here; more on a loaded machine).
    const pushes: number[] = [];
    const started = Date.now();
    while (pushes.at(-1) !== 0 && pushes.length < 100)
      pushes.push(await strict.roomObject(env, room, { route: "/strict/room/:room" }).broadcast("p".repeat(1000)));
    const refilled = (STRICT_LIMITS.outboundBytesPerSecond * (Date.now() - started)) / 1000;
    expect(pushes.filter((sent) => sent === 1).length).toBeLessThanOrEqual(
      Math.floor((STRICT_LIMITS.outboundBurstBytes + refilled) / 1000),
    );
    expect(pushes.at(-1)).toBe(0);
    expect((await client.closed()).code).toBe(1013);
  });

  it("closes a connection whose waiting messages pass maxQueuedBytes with 1013", async () => {
    const { client } = await join(freshRoom());
    client.send("wait");
    for (let i = 0; i < 5; i++) client.send("q".repeat(1000));
    expect(await client.closed()).toEqual({ code: 1013, reason: "Message queue full: the handler is not keeping up" });
  });

  it("refuses the upgrade past maxConnectionsPerRoom with 503, and admits again once one leaves", async () => {
    const room = freshRoom();
    const members = [];
    for (let i = 0; i < STRICT_LIMITS.maxConnectionsPerRoom; i++) members.push((await join(room)).client);
    const full = await upgrade(`/strict/room/${room}?token=alice`, { headers: good });
    expect(full.status).toBe(503);
    expect(await full.text()).toBe(
      `This room object is full: it holds at most ${STRICT_LIMITS.maxConnectionsPerRoom} connections`,
    );
    members[0]!.close(1000, "making room");
    await members[0]!.closed();
    await eventually(async () =>
      expect((await upgrade(`/strict/room/${room}?token=alice`, { headers: good })).status).toBe(101),
    );
  });

  it("counts the room's connections again after a wake", async () => {
    const room = freshRoom();
    for (let i = 0; i < STRICT_LIMITS.maxConnectionsPerRoom; i++) await join(room);
    await hibernate(strict.roomObject(env, room, { route: "/strict/room/:room" }));
    expect((await upgrade(`/strict/room/${room}?token=alice`, { headers: good })).status).toBe(503);
  });

  it("refuses ws.data over maxDataBytes with a WebSocketError that says what to do, keeping the old data", async () => {
    const { client } = await join(freshRoom(), "token=bob");
    client.send(`data:${JSON.stringify({ blob: "x".repeat(STRICT_LIMITS.maxDataBytes) })}`);
    expect(await client.receiveJson()).toEqual({
      error: "WebSocketError",
      message: expect.stringMatching(
        /^ws\.data would be \d+ bytes as JSON, over limits\.maxDataBytes \(256\): keep per-connection state small/,
      ),
      data: { user: "bob", route: "/strict/room/:room" },
    });
  });

  it(
    "keeps the messages that arrived before a limit was broken: the handler gets them, then the " + "disconnect",
    async () => {
      const tooBig = await connect(`/strict/late-reader/${freshRoom()}?token=erin&report=kept-1009`, { headers: good });
      for (let i = 0; i < 5; i++) tooBig.send(`m${i}`);
      tooBig.send("x".repeat(STRICT_LIMITS.maxMessageBytes + 1));
      expect((await tooBig.closed()).code).toBe(1009);
      await eventually(() =>
        expect(reported("kept-1009")).toEqual([{ received: ["m0", "m1", "m2", "m3", "m4"], code: 1009 }]),
      );

      const tooFast = await connect(`/strict/late-reader/${freshRoom()}?token=erin&report=kept-1008`, {
        headers: good,
      });
      const started = Date.now();
      for (let i = 0; i < STRICT_LIMITS.messageBurst * 6; i++) tooFast.send(`m${i}`);
      expect((await tooFast.closed()).code).toBe(1008);
      // The burst, and what the bucket refilled while the room object took them in (none to speak of
      // here; a message or a few on a loaded machine): the messages up to the first one over the limit.
      const refilled = Math.floor((STRICT_LIMITS.messagesPerSecond * (Date.now() - started)) / 1000);
      await eventually(() => expect(reported("kept-1008")).toHaveLength(1));
      const [kept] = reported("kept-1008") as { received: string[]; code: number }[];
      expect(kept!.code).toBe(1008);
      expect(kept!.received.length).toBeGreaterThanOrEqual(STRICT_LIMITS.messageBurst);
      expect(kept!.received.length).toBeLessThanOrEqual(STRICT_LIMITS.messageBurst + refilled);
      expect(kept!.received).toEqual(Array.from({ length: kept!.received.length }, (_, i) => `m${i}`));
    },
  );

  it("reports a limit's close to the handler as its WebSocketDisconnect", async () => {
    const { client } = await join(freshRoom(), "token=carol&report=limit-close");
    client.send("x".repeat(STRICT_LIMITS.maxMessageBytes + 1));
    await client.closed();
    await eventually(() =>
      expect(reported("limit-close")).toEqual([
        { code: 1009, reason: `Message too big: the limit is ${STRICT_LIMITS.maxMessageBytes} bytes` },
      ]),
    );
  });
});

describe("logs", () => {
  it(
    "with verbose, logs connect, rerun and close with the connection id and room object; failures " + "always",
    async () => {
      const lines: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
      const warnings = vi
        .spyOn(console, "warn")
        .mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
      try {
        const room = freshRoom();
        const { client } = await join(room, "token=dana");
        await hibernate(strict.roomObject(env, room, { route: "/strict/room/:room" }));
        client.send("hello");
        await client.receiveJson();
        expect(await client.receive()).toBe("ok:5");
        client.send("x".repeat(STRICT_LIMITS.maxMessageBytes + 1));
        await client.closed();
        const expected = (event: string): string =>
          `[hypern] room object "${room}" of /strict/room/:room, connection ID (/strict/room/:room): ${event}`;
        await eventually(() =>
          expect(
            lines
              .filter((line) => line.includes(`room object "${room}"`))
              .map((line) => line.replace(/[0-9a-f-]{36}/, "ID")),
          ).toEqual([
            expected("connected"),
            expected("handler rerun after hibernation"),
            expected(`Message too big: the limit is ${STRICT_LIMITS.maxMessageBytes} bytes; closing with 1009`),
            expected("handler ended"),
          ]),
        );
      } finally {
        spy.mockRestore();
        warnings.mockRestore();
      }
    },
  );
});
