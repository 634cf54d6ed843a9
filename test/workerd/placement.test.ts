import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { Hypern } from "../../src/index.js";
import { app } from "../worker/index.js";
import { miswired } from "../worker/placement.js";
import type { TestSocket } from "./client.js";
import { connect, upgrade } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `place-${Date.now()}-${++rooms}`;

async function listener(path: string): Promise<TestSocket> {
  const client = await connect(path);
  expect(await client.receive()).toBe("listening");
  return client;
}

describe("placement: a client reaches only the rooms its route can place it in", () => {
  it("keeps two routes' rooms of the same name apart", async () => {
    const room = freshRoom();
    const [a1, a2, b] = [await listener(`/a/${room}`), await listener(`/a/${room}`), await listener(`/b/${room}`)];
    a1.send("for a");
    expect(await a2.receive()).toBe("for a");
    // What b's own room says comes to b next: had b been in a's room, "for a" would have come before it.
    const b2 = await listener(`/b/${room}`);
    b2.send("for b");
    expect(await b.receive()).toBe("for b");
    expect(await b.collect(0)).toEqual([]);
  });

  it(
    "a name that spells another route's object name, or a server-only one, stays in the client's " + "own route",
    async () => {
      const room = freshRoom();
      const victim = await listener(`/a/${room}`);
      // What the object names look like, and what a client could try to type to reach them.
      for (const spoof of [`["/a/:room","${room}"]`, `/a/:room`, `a:${room}`, `["${room}"]`]) {
        const response = await upgrade(`/b/${encodeURIComponent(spoof)}`);
        if (response.status === 101) {
          const [intruder, accomplice] = [
            await listener(`/b/${encodeURIComponent(spoof)}`),
            await listener(`/b/${encodeURIComponent(spoof)}`),
          ];
          intruder.send("intrusion");
          // Broadcast in whatever room the intruder reached: the victim's copy, if any, was sent as well.
          expect(await accomplice.receive()).toBe("intrusion");
        }
      }
      expect(await app.roomObject(env, room, { route: "/b/:room" }).size()).toBe(0);
      // What the victim's own room says comes to it next: an intrusion would have come before it.
      const neighbour = await listener(`/a/${room}`);
      neighbour.send("for the victim");
      expect(await victim.receive()).toBe("for the victim");
      expect(await victim.collect(0)).toEqual([]);
    },
  );

  it(
    "app.roomObject() reaches a route's room object by the route's pattern; a server-only room " +
      "object is no route's",
    async () => {
      const room = freshRoom();
      const [a, b] = [await listener(`/a/${room}`), await listener(`/b/${room}`)];
      expect(await app.roomObject(env, room, { route: "/a/:room" }).broadcast("to a")).toBe(1);
      expect(await a.receive()).toBe("to a");
      expect(await app.roomObject(env, room, { serverOnly: true }).broadcast("server-only")).toBe(0);
      // Each route's next broadcast comes next: the server-only one, had it reached them, would have come before it.
      for (const [client, route] of [
        [a, "/a/:room"],
        [b, "/b/:room"],
      ] as const) {
        expect(await app.roomObject(env, room, { route }).broadcast(`to ${route}`)).toBe(1);
        expect(await client.receive()).toBe(`to ${route}`);
        expect(await client.collect(0)).toEqual([]);
      }
    },
  );

  it("app.roomObject() refuses a name alone, naming the routes it may have meant", () => {
    expect(() => app.roomObject(env, "lobby", {})).toThrow(
      'app.roomObject(env, "lobby") names no route\'s room object: the routes that place connections by name are ',
    );
    expect(() => app.roomObject(env, "lobby", {})).toThrow(
      /\/room\/:object, \/hib\/:object, \/counter\/:name, \/a\/:room, \/b\/:room and \d+ more, so you may mean /,
    );
    expect(() => app.roomObject(env, "lobby", {})).toThrow(
      /may mean \{ route: "\/room\/:object" \}; for a room object no client is placed in, pass \{ serverOnly: true \}$/,
    );
  });

  it(
    "app.room(), the deprecated name, still reaches a server-only room object by a name alone, and " +
      "says once what it may mean",
    async () => {
      const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      try {
        const room = freshRoom();
        const a = await listener(`/a/${room}`);
        expect(await app.room(env, room).broadcast("server-only")).toBe(0);
        expect(await app.room(env, room).broadcast("server-only again")).toBe(0);
        expect(await app.room(env, room, { route: "/a/:room" }).broadcast("to a")).toBe(1);
        expect(await a.receive()).toBe("to a");
        const said = warnings.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("app.room("));
        expect(said).toEqual([expect.stringContaining(`app.room(env, "${room}") names no route's room object`)]);
      } finally {
        warnings.mockRestore();
      }
    },
  );

  it("routes given one group share their room objects, and app.roomObject() reaches them by the group", async () => {
    const room = freshRoom();
    const [c, d] = [await listener(`/c/${room}`), await listener(`/d/${room}`)];
    c.send("from c");
    expect(await d.receive()).toBe("from c");
    expect(await app.roomObject(env, room, { group: "shared" }).size()).toBe(2);
  });

  it("a route without placement has one room object, reached with app.roomObject(env, { route })", async () => {
    const one = await listener("/one");
    expect(await app.roomObject(env, { route: "/one" }).broadcast("to the one room")).toBeGreaterThanOrEqual(1);
    expect(await one.receive()).toBe("to the one room");
  });

  it(
    "refuses a room name the rule does not allow with 400 and the rule, on an upgrade and on a " + "plain GET",
    async () => {
      for (const path of ["/a/has%20space", "/a/%23general", `/a/${"x".repeat(257)}`]) {
        for (const response of [await upgrade(path), await fetchPlain(path)]) {
          expect(response.status).toBe(400);
          expect(await response.text()).toBe("Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /");
        }
      }
      expect((await fetchPlain(`/a/${freshRoom()}`)).status).toBe(426);
    },
  );

  it("app.roomObject() explains what it needs", () => {
    expect(() => new Hypern().roomObject(env, "", { serverOnly: true })).toThrow(
      "app.roomObject() needs a non-empty name for a server-only room object",
    );
    expect(() => app.roomObject(env, "x", { route: "/a/:room", serverOnly: true })).toThrow(
      "a serverOnly room object belongs to no route or group",
    );
    expect(() => app.roomObject(env, "x", { route: "/nowhere/:room" })).toThrow(
      'no route is registered as "/nowhere/:room"',
    );
    expect(() => app.roomObject(env, "x", { group: "nobody" })).toThrow('no route has the group "nobody"');
    expect(() => app.roomObject(env, "x", { route: "/a/:room", group: "shared" })).toThrow(
      "takes a route or a group, not both",
    );
    expect(() => app.roomObject(env, { route: "/a/:room" })).toThrow("places connections by name");
  });
});

describe("wiring mistakes are explained, in the answer and in the log", () => {
  it("a missing binding", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const lonely = new Hypern({ binding: "MISSING" });
      lonely.ws("/x", (ws) => ws.close());
      const response = await lonely.fetch(
        new Request("http://example.com/x", { headers: { Upgrade: "websocket" } }),
        env,
        {} as ExecutionContext,
      );
      expect(response.status).toBe(500);
      const message =
        'No Durable Object binding "MISSING" in env: bind the class you declare as "export class ... extends ' +
        'app.RoomObject {}" ' +
        'under the name "MISSING", in wrangler.toml with [[durable_objects.bindings]] name = "MISSING", ' +
        'class_name = "<that class>", ' +
        'or in wrangler.jsonc with "durable_objects": { "bindings": [{ "name": "MISSING", "class_name": "<that ' +
        'class>" }] }; ' +
        "or pass { binding } to new Hypern() to use a binding of another name";
      expect(await response.text()).toContain(message);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining(`[hypern] ${message}`));
      expect(() => lonely.roomObject({}, "feed", { serverOnly: true })).toThrow(message);
    } finally {
      errors.mockRestore();
    }
  });

  // workerd prints three "uncaught exception" lines for this test, expected: the upgrade's fetch() reaches
  // a class without fetch() ("Uncaught (in promise) ... PlainObject ... does not define a `fetch()` method",
  // and the same TypeError again as "jsg.TypeError"), and the push's RPC reaches a class without it ("Uncaught
  // (in promise) ... The RPC receiver does not implement "roomBroadcast""). The runtime logs an error
  // thrown out of a Durable Object's handler even though the caller (the library) gets and explains it.
  it("a binding whose class is not the app's room object", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const response = await upgrade("/miswired");
      expect(response.status).toBe(500);
      const message = 'The Durable Object class bound as "PLAIN" is not this app\'s room object';
      expect(await response.text()).toContain(message);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining(message));
      await expect(miswired.roomObject(env, "feed", { serverOnly: true }).broadcast("x")).rejects.toThrow(message);
    } finally {
      errors.mockRestore();
    }
  });

  it("a placement that returns something other than a string", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const response = await upgrade("/bad-placement");
      expect(response.status).toBe(500);
      expect(await response.text()).toBe(
        "The roomObject placement of /bad-placement returned undefined: it must return a string",
      );
    } finally {
      errors.mockRestore();
    }
  });
});

function fetchPlain(path: string): Promise<Response> {
  return app.fetch(new Request(`http://example.com${path}`), env, {} as ExecutionContext);
}
