import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import type { PresenceChange } from "../../src/client/index.js";
import { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE, SESSION_PROTOCOL, SessionClient } from "../../src/client/index.js";
import { SessionSocket } from "./session-socket.js";
import { API_TOKEN, postApi, startDemo } from "./demo-server.js";
import { RawSocket } from "./raw-socket.js";
import type { DevServer } from "./wrangler-dev.js";
import { Client, upgradeStatus } from "./ws-client.js";

let server: DevServer;

beforeAll(async () => {
  server = await startDemo();
});

afterAll(async () => {
  await server?.stop();
});

describe("the demo app under wrangler dev, with real ws clients", () => {
  it("echoes", async () => {
    const client = await Client.open(`${server.wsOrigin}/echo`);
    client.send("hello over TCP");
    expect(await client.next()).toBe("echo: hello over TCP");
    client.close(1000, "done");
    expect(await client.closed).toEqual({ code: 1000, reason: "done" });
  });

  it("echoes a binary frame back as binary, byte for byte, and goes on echoing text", async () => {
    const client = await Client.open(`${server.wsOrigin}/echo`);
    const bytes = Uint8Array.of(0, 1, 2, 0x7f, 0x80, 0xfe, 0xff);
    client.send(bytes);
    expect(await client.nextFrame()).toEqual({ data: Buffer.from(bytes), binary: true });
    client.send(new Uint8Array());
    expect(await client.nextFrame()).toEqual({ data: Buffer.alloc(0), binary: true });
    client.send("text after bytes");
    expect(await client.nextFrame()).toEqual({ data: Buffer.from("echo: text after bytes"), binary: false });
    client.close(1000);
    expect(await client.closed).toEqual({ code: 1000, reason: "" });
  });

  it("runs a three-person chat: welcome, joined and left notices, messages to everyone but the sender", async () => {
    const room = `lobby-${Date.now()}`;
    const join = async (name: string): Promise<{ client: Client; id: string }> => {
      const client = await Client.open(`${server.wsOrigin}/chat/${room}?name=${name}`);
      const welcome = await client.nextJson<{ type: string; id: string; name: string; room: string }>();
      expect(welcome).toMatchObject({ type: "welcome", name, room });
      return { client, id: welcome.id };
    };

    const alice = await join("alice");
    const bob = await join("bob");
    expect(await alice.client.nextJson()).toEqual({ type: "joined", id: bob.id, name: "bob" });
    const carol = await join("carol");
    expect(await alice.client.nextJson()).toEqual({ type: "joined", id: carol.id, name: "carol" });
    expect(await bob.client.nextJson()).toEqual({ type: "joined", id: carol.id, name: "carol" });

    alice.client.send("hi all");
    const fromAlice = { type: "message", id: alice.id, name: "alice", text: "hi all" };
    expect(await bob.client.nextJson()).toEqual(fromAlice);
    expect(await carol.client.nextJson()).toEqual(fromAlice);

    carol.client.send("hi alice");
    const fromCarol = { type: "message", id: carol.id, name: "carol", text: "hi alice" };
    expect(await alice.client.nextJson()).toEqual(fromCarol);
    expect(await bob.client.nextJson()).toEqual(fromCarol);

    const pushed = await postApi(server, `/api/rooms/${room}/messages`, { text: "from the HTTP API" });
    expect(await pushed.json()).toEqual({ delivered: 3 });
    const fromServer = { type: "message", id: null, name: "server", text: "from the HTTP API" };
    for (const person of [alice, bob, carol]) expect(await person.client.nextJson()).toEqual(fromServer);

    bob.client.close(1000, "bye");
    expect(await alice.client.nextJson()).toEqual({ type: "left", id: bob.id, name: "bob" });
    expect(await carol.client.nextJson()).toEqual({ type: "left", id: bob.id, name: "bob" });

    for (const person of [alice, carol]) expect(await person.client.silence(100)).toEqual([]);
    alice.client.close();
    carol.client.close();
  });

  it(
    "welcomes a late joiner with the room's recent messages, pushed ones included, and refuses " +
      "messages too long to keep",
    async () => {
      const room = `history-${Date.now()}`;
      const alice = await Client.open(`${server.wsOrigin}/chat/${room}?name=alice`);
      const aliceWelcome = await alice.nextJson<{ id: string }>();
      expect(aliceWelcome).toMatchObject({ type: "welcome", recovered: false, history: [] });
      alice.send("first");
      alice.send("x".repeat(2001));
      expect(await alice.nextJson()).toEqual({ type: "error", message: "Messages may be at most 2000 characters" });
      const pushed = await postApi(server, `/api/rooms/${room}/messages`, { text: "from the HTTP API" });
      expect(await pushed.json()).toEqual({ delivered: 1 });
      expect(await alice.nextJson()).toMatchObject({ type: "message", id: null, text: "from the HTTP API" });
      const tooLong = await postApi(server, `/api/rooms/${room}/messages`, { text: "y".repeat(2001) });
      expect(tooLong.status).toBe(400);

      const bob = await Client.open(`${server.wsOrigin}/chat/${room}?name=bob`);
      const bobWelcome = await bob.nextJson<{ history: { at: number }[] }>();
      expect(bobWelcome).toMatchObject({
        type: "welcome",
        recovered: false,
        history: [
          { id: aliceWelcome.id, name: "alice", text: "first", at: expect.any(Number) },
          { id: null, name: "server", text: "from the HTTP API", at: expect.any(Number) },
        ],
      });
      expect(Math.abs(Date.now() - bobWelcome.history[0]!.at)).toBeLessThan(60_000);
      // Only messages: alice's joined notice is in the room's log too, but not in the history.
      expect(bobWelcome.history).toHaveLength(2);
      alice.close();
      bob.close();
    },
  );

  it("welcomes with the newest 50 of the messages the room keeps, oldest first", async () => {
    const room = `history-50-${Date.now()}`;
    for (let i = 1; i <= 52; i++) {
      const pushed = await postApi(server, `/api/rooms/${room}/messages`, { text: `news ${i}` });
      expect(pushed.status).toBe(200);
    }
    const reader = await Client.open(`${server.wsOrigin}/chat/${room}?name=reader`);
    const { history } = await reader.nextJson<{ history: { text: string }[] }>();
    expect(history.map(({ text }) => text)).toEqual(Array.from({ length: 50 }, (_, i) => `news ${i + 3}`));
    reader.close();
  });

  it(
    "brings a session client back as the same person: welcomed back, seen back by the others, and " +
      "not seen leaving while its old connection was still open",
    async () => {
      const room = `session-${Date.now()}`;
      const bob = await Client.open(`${server.wsOrigin}/chat/${room}?name=bob`);
      const bobWelcome = await bob.nextJson<{ id: string }>();
      // The cast: the client's WebSocketLike types its listeners so narrowly that no socket class is assignable as it
      // is.
      const ada = new SessionClient(`${server.wsOrigin}/chat/${room}?name=ada`, {
        WebSocket: SessionSocket,
        backoff: { firstMs: 50, longestMs: 100 },
      });
      const welcomes: { id: string; recovered: boolean; history: unknown[]; members: { name: string }[] }[] = [];
      ada.on("message", (message) => {
        const event = message.json() as (typeof welcomes)[number] & { type: string };
        if (event.type === "welcome") welcomes.push(event);
      });
      await vi.waitFor(() => expect(welcomes).toHaveLength(1), { timeout: 10_000 });
      const adaId = welcomes[0]!.id;
      expect(await bob.nextJson()).toEqual({ type: "joined", id: adaId, name: "ada" });

      SessionSocket.made.at(-1)!.vanish(); // ada's client sees a drop; the server still holds her socket
      await vi.waitFor(() => expect(welcomes).toHaveLength(2), { timeout: 10_000 });
      expect(welcomes[1]).toMatchObject({ id: adaId, recovered: true, history: [] });
      expect(welcomes[1]!.members.map(({ name }) => name).sort()).toEqual(["ada", "bob"]);
      expect(await bob.nextJson()).toEqual({ type: "back", id: adaId, name: "ada" });
      // Her old connection was closed when she came back on a new one: she did not leave.
      expect(await bob.silence(300)).toEqual([]);

      ada.send("still me");
      expect(await bob.nextJson()).toEqual({ type: "message", id: adaId, name: "ada", text: "still me" });
      ada.close("bye");
      expect(await bob.nextJson()).toEqual({ type: "left", id: adaId, name: "ada" });
      for (const socket of SessionSocket.made) socket.terminate();
      bob.close();
      expect(bobWelcome.id).not.toBe(adaId);
    },
  );

  it("serves the prefix-mounted notifications router and the HTTP push into it", async () => {
    const subscriber = await Client.open(`${server.wsOrigin}/ws/notifications`);
    expect(await subscriber.nextJson()).toMatchObject({ type: "subscribed" });
    const response = await postApi(server, "/api/notify", { text: "deploy done" });
    expect((await response.json()) as { delivered: number }).toMatchObject({ delivered: expect.any(Number) });
    expect(await subscriber.nextJson()).toEqual({ type: "notification", text: "deploy done" });
    subscriber.close();
  });

  it("answers plain HTTP on a WebSocket route with 426 and unknown paths with 404", async () => {
    expect((await fetch(`${server.origin}/echo`)).status).toBe(426);
    expect((await fetch(`${server.origin}/no/such/path`)).status).toBe(404);
  });
});

describe("the chat's presence and heartbeat", () => {
  /** A session client in a chat room: its presence changes, and every chat event it was sent. */
  function sessionMember(room: string, name: string) {
    // Node's own WebSocket: it reports the server's close at once (the ws package's waits for the TCP connection to
    // end).
    const client = new SessionClient(`${server.wsOrigin}/chat/${room}?name=${name}`, {
      backoff: { firstMs: 50, longestMs: 200 },
    });
    const changes: PresenceChange[] = [];
    const events: { type: string; id?: string; recovered?: boolean }[] = [];
    client.on("presence", (change) => changes.push(change));
    client.on("message", (message) => events.push(message.json() as (typeof events)[number]));
    /** The room's presence as this client has it: name, connections, away, by key. */
    const people = () =>
      Object.fromEntries(
        [...client.presence("chat")].map(([key, { d, n, a }]) => [
          key,
          { name: (d as { name?: string } | undefined)?.name, n, a },
        ]),
      );
    const id = () => events.find(({ type }) => type === "welcome")?.id ?? "";
    return { client, changes, events, people, id };
  }

  const WAIT = { timeout: 15_000, interval: 20 };

  it(
    "tells session clients who comes and goes through presence and plain clients in messages; a " +
      "restart is no leave and no join",
    async () => {
      const room = `presence-${Date.now()}`;
      const ada = sessionMember(room, "ada");
      await vi.waitFor(() => expect(ada.id()).not.toBe(""), WAIT);
      const bob = await Client.open(`${server.wsOrigin}/chat/${room}?name=bob`);
      const bobWelcome = await bob.nextJson<{ id: string }>();
      const carol = sessionMember(room, "carol");
      await vi.waitFor(() => expect(carol.id()).not.toBe(""), WAIT);
      expect(await bob.nextJson()).toEqual({ type: "joined", id: carol.id(), name: "carol" });

      const everyone = {
        [ada.id()]: { name: "ada", n: 1, a: false },
        [bobWelcome.id]: { name: "bob", n: 1, a: false },
        [carol.id()]: { name: "carol", n: 1, a: false },
      };
      for (const member of [ada, carol]) await vi.waitFor(() => expect(member.people()).toEqual(everyone), WAIT);

      // The plain client leaves: the session clients are told by presence, the plain one would be by a message.
      bob.close(1000, "bye");
      const { [bobWelcome.id]: _bob, ...withoutBob } = everyone;
      for (const member of [ada, carol]) await vi.waitFor(() => expect(member.people()).toEqual(withoutBob), WAIT);
      expect(ada.changes.flatMap(({ left }) => left)).toEqual([bobWelcome.id]);

      // A restart (1012 to every connection): both resume, and neither is told of a leave or a join.
      const before = [ada.changes.length, carol.changes.length];
      expect((await postApi(server, `/api/rooms/${room}/close`)).status).toBe(204);
      for (const member of [ada, carol])
        await vi.waitFor(
          () => expect(member.events.filter(({ type, recovered }) => type === "welcome" && recovered)).toHaveLength(1),
          WAIT,
        );
      for (const member of [ada, carol]) await vi.waitFor(() => expect(member.people()).toEqual(withoutBob), WAIT);
      for (const [index, member] of [ada, carol].entries()) {
        const after = member.changes.slice(before[index]);
        expect(after.filter(({ whole }) => !whole).flatMap(({ joined, left }) => [...joined, ...left])).toEqual([]);
      }

      // Session clients were sent no comings and goings as chat messages.
      for (const member of [ada, carol])
        expect(
          member.events.map(({ type }) => type).filter((type) => ["joined", "back", "left"].includes(type)),
        ).toEqual([]);
      ada.client.close("bye");
      await vi.waitFor(() => expect(carol.people()).toEqual({ [carol.id()]: { name: "carol", n: 1, a: false } }), WAIT);
      carol.client.close("bye");
    },
  );

  it("answers the heartbeat without the handler, and tells session clients how often to send it", async () => {
    const room = `heartbeat-${Date.now()}`;
    const [alice, bob] = [
      await Client.open(`${server.wsOrigin}/chat/${room}?name=alice`),
      await Client.open(`${server.wsOrigin}/chat/${room}?name=bob`),
    ];
    await alice.nextJson();
    await bob.nextJson();
    expect(await alice.nextJson()).toMatchObject({ type: "joined", name: "bob" });
    alice.send(HEARTBEAT_REQUEST);
    expect(await alice.next()).toBe(HEARTBEAT_RESPONSE);
    // Not a chat message: nobody else hears it.
    expect(await bob.silence(200)).toEqual([]);

    const session = new WebSocket(`${server.wsOrigin}/chat/${room}?name=carol`, [SESSION_PROTOCOL]);
    const first = await new Promise<string>((resolve, reject) =>
      session.once("message", (data) => resolve(String(data))).once("error", reject),
    );
    expect(JSON.parse(first)).toMatchObject({ t: "w", recovered: false, hb: { i: 30_000, t: 75_000 } });
    session.close(1000);
    for (const client of [alice, bob]) client.close();
  });
});

describe("the demo's HTTP API, guarded by API_TOKEN", () => {
  const forged = { text: "forged" };
  const restarted = { code: 1012, reason: Buffer.from("room restarted by the server") };

  /**
   * A raw socket in a chat room, past its welcome: it reads a close frame as it comes (the ws package
   * reports a close only when wrangler dev ends the TCP connection, 10 s after the handshake).
   */
  async function rawMember(room: string): Promise<RawSocket> {
    const socket = await RawSocket.open(
      Number(new URL(server.origin).port),
      `/chat/${encodeURIComponent(room)}?name=member`,
    );
    expect(await nextJson(socket)).toMatchObject({ type: "welcome", room, name: "member" });
    return socket;
  }

  async function nextJson(socket: RawSocket): Promise<unknown> {
    return JSON.parse((await socket.next())?.payload.toString() ?? "null");
  }

  it(
    "answers 401 to a request without the token or with a wrong one, and pushes, keeps and closes " + "nothing",
    async () => {
      const room = `guarded-${Date.now()}`;
      const member = await rawMember(room);
      const subscriber = await Client.open(`${server.wsOrigin}/ws/notifications`);
      await subscriber.nextJson();

      const wrong = [
        null,
        "",
        "Bearer",
        "Bearer ",
        API_TOKEN,
        `Basic ${API_TOKEN}`,
        `Bearer ${API_TOKEN.slice(0, -1)}`,
        `Bearer ${API_TOKEN}0`,
        `Bearer ${API_TOKEN.toUpperCase()}`,
        `Bearer ${"0".repeat(API_TOKEN.length)}`,
      ];
      const endpoints: [string, unknown][] = [
        [`/api/rooms/${room}/messages`, forged],
        [`/api/rooms/${room}/close`, undefined],
        ["/api/notify", forged],
      ];
      for (const authorization of wrong) {
        for (const [path, body] of endpoints) {
          const response = await postApi(server, path, body, authorization);
          expect(response.status, `${path} with ${JSON.stringify(authorization)}`).toBe(401);
          expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
          expect(await response.json()).toEqual({ error: "Send the API token: Authorization: Bearer <API_TOKEN>" });
        }
      }

      // The first thing each listener gets is what the right token sends: nothing forged came before it,
      // and the room was not closed.
      await postApi(server, `/api/rooms/${room}/messages`, { text: "genuine" });
      expect(await nextJson(member)).toEqual({ type: "message", id: null, name: "server", text: "genuine" });
      await postApi(server, "/api/notify", { text: "genuine" });
      expect(await subscriber.nextJson()).toEqual({ type: "notification", text: "genuine" });
      const newcomer = await Client.open(`${server.wsOrigin}/chat/${room}?name=newcomer`);
      expect(await newcomer.nextJson()).toMatchObject({
        type: "welcome",
        history: [{ id: null, name: "server", text: "genuine" }],
      });
      member.destroy();
      subscriber.close();
      newcomer.close();
    },
  );

  it("takes the right token on each endpoint, the scheme in any case", async () => {
    const room = `authorized-${Date.now()}`;
    const member = await rawMember(room);
    const subscriber = await Client.open(`${server.wsOrigin}/ws/notifications`);
    await subscriber.nextJson();

    const pushed = await postApi(server, `/api/rooms/${room}/messages`, { text: "hello" }, `bearer ${API_TOKEN}`);
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toEqual({ delivered: 1 });
    expect(await nextJson(member)).toEqual({ type: "message", id: null, name: "server", text: "hello" });

    const notified = await postApi(server, "/api/notify", { text: "news" });
    expect(notified.status).toBe(200);
    expect(await subscriber.nextJson()).toEqual({ type: "notification", text: "news" });

    const closed = await postApi(server, `/api/rooms/${room}/close`);
    expect(closed.status).toBe(204);
    expect(await member.closeFrame()).toEqual(restarted);
    member.destroy();
    subscriber.close();
  });

  it("refuses the room names the chat's WebSocket route refuses, with 400 and what is wrong with them", async () => {
    const rule = "Use letters, digits or _ . : @ ~ - /.";
    const refused: [string, string][] = [
      ["my room", `A room name cannot contain spaces. ${rule}`],
      ["#general", `A room name cannot contain “#”. ${rule}`],
      ["a?b", `A room name cannot contain “?”. ${rule}`],
      ["tab\there", `A room name cannot contain U+0009. ${rule}`],
      ["x".repeat(300), "A room name has at most 256 characters; this one has 300."],
    ];
    for (const [name, error] of refused) {
      const encoded = encodeURIComponent(name);
      expect(await upgradeStatus(`${server.wsOrigin}/chat/${encoded}`), name).toBe(400);
      for (const path of [`/api/rooms/${encoded}/messages`, `/api/rooms/${encoded}/close`]) {
        const response = await postApi(server, path, { text: "into a room no one can join" });
        expect(response.status, path).toBe(400);
        expect(await response.json()).toEqual({ error });
      }
    }
    // Malformed percent-encoding: refused as the WebSocket route refuses it.
    expect(await upgradeStatus(`${server.wsOrigin}/chat/%E0%A4%A`)).toBe(400);
    for (const path of ["/api/rooms/%E0%A4%A/messages", "/api/rooms/%E0%A4%A/close"]) {
      const response = await postApi(server, path, { text: "x" });
      expect(response.status, path).toBe(400);
      expect(await response.json()).toEqual({ error: "The path has malformed percent-encoding" });
    }
  });

  it(
    "reaches the room a WebSocket client joined under a name that is percent-encoded in the path, " + "as café",
    async () => {
      const room = `café-${Date.now()}`;
      const member = await rawMember(room);
      const pushed = await postApi(server, `/api/rooms/${encodeURIComponent(room)}/messages`, { text: "un café ?" });
      expect(await pushed.json()).toEqual({ delivered: 1 });
      expect(await nextJson(member)).toEqual({ type: "message", id: null, name: "server", text: "un café ?" });
      const closed = await postApi(server, `/api/rooms/${encodeURIComponent(room)}/close`);
      expect(closed.status).toBe(204);
      expect(await member.closeFrame()).toEqual(restarted);
      member.destroy();
    },
  );
});

describe("the chat's display names", () => {
  it(
    "gives the guest name to a client that asks for the server's name or for control or " + "bidirectional characters",
    async () => {
      const room = `names-${Date.now()}`;
      const watcher = await Client.open(`${server.wsOrigin}/chat/${room}?name=watcher`);
      await watcher.nextJson();
      const refused = [
        "server",
        "Server",
        "  SERVER  ",
        "ser\u200Bver",
        "ｓｅｒｖｅｒ",
        "\u202Erevres",
        "alice\u202E",
        "\u2066bob\u2069",
        "\u200Fcarol",
        "\u061Cdave",
        "line\nbreak",
        "bell\u0007",
        "nul\u0000",
        "c1\u0085",
      ];
      for (const asked of refused) {
        const client = await Client.open(`${server.wsOrigin}/chat/${room}?name=${encodeURIComponent(asked)}`);
        const welcome = await client.nextJson<{ id: string; name: string }>();
        const guest = `guest-${welcome.id.slice(0, 6)}`;
        expect(welcome.name, JSON.stringify(asked)).toBe(guest);
        expect(await watcher.nextJson()).toEqual({ type: "joined", id: welcome.id, name: guest });
        client.send("hi");
        expect(await watcher.nextJson()).toEqual({ type: "message", id: welcome.id, name: guest, text: "hi" });
        client.close();
        expect(await watcher.nextJson()).toEqual({ type: "left", id: welcome.id, name: guest });
      }

      const kept: [string, string][] = [
        ["  Zoë 🙂 ", "Zoë 🙂"],
        ["servers", "servers"],
        ["the server", "the server"],
        ["עברית", "עברית"],
      ];
      for (const [asked, name] of kept) {
        const client = await Client.open(`${server.wsOrigin}/chat/${room}?name=${encodeURIComponent(asked)}`);
        expect(await client.nextJson(), asked).toMatchObject({ type: "welcome", name });
        expect(await watcher.nextJson()).toMatchObject({ type: "joined", name });
        client.close();
        expect(await watcher.nextJson()).toMatchObject({ type: "left", name });
      }
      watcher.close();
    },
  );
});
