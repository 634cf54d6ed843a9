import { createExecutionContext, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Hypern } from "../../src/index.js";
import { reported } from "../worker/reports.js";
import { app } from "../worker/index.js";
import type { RoomObjectClient } from "../../src/index.js";
import { roomStub } from "../../src/room-object-client.js";
import type { TestSocket } from "./client.js";
import { connect, eventually, hibernate, upgrade } from "./client.js";
import { captureLogs, failureLine } from "./logged.js";

/** How many connections of a room object have their headers kept in storage. */
function storedHeaderEntries(room: RoomObjectClient): Promise<number> {
  return runInDurableObject(
    roomStub(room),
    (_, state) => [...state.storage.kv.list({ prefix: "hypern:headers:" })].length,
  );
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("send and receive", () => {
  it("echoes text and bytes through receive() / sendText / sendBytes", async () => {
    const client = await connect("/echo");
    client.send("hello");
    expect(await client.receive()).toBe("hello");
    client.send(new Uint8Array([1, 2, 3]));
    const bytes = await client.receive();
    expect(bytes).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(bytes as ArrayBuffer)]).toEqual([1, 2, 3]);
    client.send("");
    expect(await client.receive()).toBe("");
    client.close(1000, "done");
    expect(await client.closed()).toEqual({ code: 1000, reason: "done" });
  });

  it("receiveJson parses and sendJson sends compact JSON", async () => {
    const client = await connect("/json");
    client.send(JSON.stringify({ a: [1, 2], b: { c: "d" } }, null, 2));
    expect(await client.receiveText()).toBe('{"got":{"a":[1,2],"b":{"c":"d"}}}');
  });

  it("bad JSON raises a WebSocketError carrying the frame, and the connection stays open", async () => {
    const client = await connect("/json");
    client.send("{not json");
    expect(await client.receiveJson()).toEqual({
      error: "WebSocketError",
      message: "The text message is not valid JSON",
      frame: { type: "text", data: "{not json" },
      cause: "SyntaxError",
    });
    client.send("[1]");
    expect(await client.receiveJson()).toEqual({ got: [1] });
  });

  it("a binary frame for receiveText raises a WebSocketError carrying it, and the connection stays open", async () => {
    const client = await connect("/text-only");
    client.send(new Uint8Array([7, 8]));
    expect(await client.receiveJson()).toEqual({ error: "WebSocketError", frameType: "bytes", frameBytes: [7, 8] });
    client.send("still here");
    expect(await client.receive()).toBe("text:still here");
  });

  it("a text frame for receiveBytes raises a WebSocketError carrying it; bytes arrive as a Uint8Array", async () => {
    const client = await connect("/bytes-only");
    client.send("text");
    expect(await client.receiveJson()).toEqual({ error: "WebSocketError", frame: { type: "text", data: "text" } });
    client.send(new Uint8Array([9, 0, 0]));
    expect(await client.receiveJson()).toEqual({ length: 3, first: 9, isUint8Array: true });
  });
});

describe("loops without boilerplate", () => {
  it("for await over iterText / iterJson / iterBytes / iter ends quietly when the client leaves", async () => {
    const cases: [string, (client: TestSocket) => void, unknown[]][] = [
      ["text", (c) => (c.send("a"), c.send("b")), ["a", "b"]],
      ["json", (c) => (c.sendJson({ n: 1 }), c.sendJson([2])), [{ n: 1 }, [2]]],
      ["bytes", (c) => c.send(new Uint8Array([7, 8])), [[7, 8]]],
      ["any", (c) => (c.send("t"), c.send(new Uint8Array([1]))), ["text", "bytes"]],
    ];
    for (const [kind, send, seen] of cases) {
      const client = await connect(`/iter/${kind}?report=iter-${kind}`);
      send(client);
      client.close(1000, "bye");
      await eventually(() =>
        expect(reported(`iter-${kind}`)).toEqual([{ ended: "quietly", seen, closed: { code: 1000, reason: "bye" } }]),
      );
    }
  });

  it("a frame the loop cannot convert ends it by throwing the receive's WebSocketError", async () => {
    const client = await connect("/iter/json?report=iter-bad");
    client.sendJson({ ok: true });
    client.send("{not json");
    await eventually(() =>
      expect(reported("iter-bad")).toEqual([
        {
          ended: "by throwing",
          seen: [{ ok: true }],
          name: "WebSocketError",
          message: "The text message is not valid JSON",
        },
      ]),
    );
  });
});

describe("connection properties", () => {
  it("exposes id, state, path, decoded params, lower-case headers, query, client host and subprotocol", async () => {
    const client = await connect("/info/J%C3%BCrgen%20K/extra?x=1&x=2&y=%C3%A9", {
      headers: {
        "X-Custom-Header": "Value",
        "CF-Connecting-IP": "203.0.113.7",
      },
    });
    const info = await client.receiveJson<Record<string, unknown>>();
    expect(info.id).toMatch(uuid);
    expect(info.before).toEqual({ state: "connecting", isConnected: false });
    expect(info.after).toEqual({ state: "connected", isConnected: true });
    expect(info.path).toBe("/info/J%C3%BCrgen%20K/extra");
    expect(info.params).toEqual({ name: "Jürgen K", rest: "extra" });
    expect(info.query).toEqual([
      ["x", "1"],
      ["x", "2"],
      ["y", "é"],
    ]);
    expect(info.headers).toMatchObject({ "x-custom-header": "Value", upgrade: "websocket" });
    expect(Object.keys(info.headers as object).every((name) => name === name.toLowerCase())).toBe(true);
    expect(info.clientHost).toBe("203.0.113.7");
    expect(info.subprotocol).toBeNull();
    expect(info.rerun).toBe(false);
    expect(info.resumed).toBe(false);
    expect(info.data).toBeNull();
    expect(client.headers.get("X-Accepted")).toBe("yes");
  });

  it("an optional param that is absent is undefined", async () => {
    const client = await connect("/info/solo");
    const info = await client.receiveJson<{ params: Record<string, unknown> }>();
    expect(info.params).toEqual({ name: "solo" });
  });

  it("gives every connection its own server-made id; headers a client adds change nothing", async () => {
    const forged = {
      "x-hypern-handoff": encodeURIComponent(JSON.stringify({ route: "/echo", params: { name: "evil" } })),
      "x-connection-id": "evil",
    };
    const [a, b] = await Promise.all([
      connect("/info/a", { headers: forged }),
      connect("/info/b", { headers: forged }),
    ]);
    const [infoA, infoB] = await Promise.all([
      a.receiveJson<Record<string, unknown>>(),
      b.receiveJson<Record<string, unknown>>(),
    ]);
    expect(infoA.id).toMatch(uuid);
    expect(infoA.id).not.toBe(infoB.id);
    expect(infoA.id).not.toBe("evil");
    // The room object routes by the path alone: the forged header is just a header.
    expect(infoA.params).toEqual({ name: "a" });
    expect(infoA.path).toBe("/info/a");
  });

  it(
    "keeps every request header across a wake, those too large for the attachment in storage until " +
      "the connection ends",
    async () => {
      const cookie = `session=${"c".repeat(17_000)}`;
      const room = app.roomObject(env, "big-headers", { route: "/hib/:object" });
      const client = await connect("/hib/big-headers?report=big-headers", {
        headers: { Cookie: cookie, "X-Test": "small" },
      });
      expect(await client.receive()).toBe("hello");
      client.send("headers");
      expect(await client.receiveJson()).toEqual({ resumed: false, cookieLength: cookie.length, xTest: "small" });
      expect(await storedHeaderEntries(room)).toBe(1);
      await hibernate(room);
      client.send("headers");
      expect(await client.receiveJson()).toEqual({ resumed: true, cookieLength: cookie.length, xTest: "small" });
      client.close(1000, "done");
      await client.closed();
      await eventually(async () => expect(await storedHeaderEntries(room)).toBe(0));
    },
  );

  it("keeps 1,300 small headers across a wake, though they would not fit the attachment", async () => {
    const many = Object.fromEntries(Array.from({ length: 1_300 }, (_, i) => [`x-h${i}`, "v"]));
    const room = app.roomObject(env, "many-headers", { route: "/hib/:object" });
    const client = await connect("/hib/many-headers", { headers: many });
    expect(await client.receive()).toBe("hello");
    await hibernate(room);
    client.send("header-count");
    expect(await client.receiveJson()).toEqual({ resumed: true, count: 1_300, last: "v" });
  });

  it(
    "refuses an upgrade whose path and query or headers cannot be kept: 414 and 431 with the " + "reason, not 500",
    async () => {
      const longQuery = await upgrade(`/echo?q=${"q".repeat(17_000)}`);
      expect(longQuery.status).toBe(414);
      expect(await longQuery.text()).toBe(
        "URI too long: the path and query of a WebSocket upgrade may take at most 4096 bytes",
      );
      const hugeHeaders = await upgrade("/echo", { headers: { Cookie: "c".repeat(40_000) } });
      expect(hugeHeaders.status).toBe(431);
      expect(await hugeHeaders.text()).toBe(
        "Request header fields too large: a WebSocket upgrade may carry at most 32768 bytes of headers",
      );
    },
  );

  it("accepts with a subprotocol the client offered, and refuses one it did not", async () => {
    const client = await connect("/subprotocol?report=subprotocol", {
      headers: { "Sec-WebSocket-Protocol": "chat.v1, chat.v2" },
    });
    expect(client.protocol).toBe("chat.v2");
    expect(await client.receive()).toBe("chose:chat.v2");
    expect(reported("subprotocol")).toEqual([
      {
        name: "WebSocketError",
        message: 'Cannot accept subprotocol "not-offered": the client offered "chat.v1", "chat.v2"',
      },
    ]);
  });
});

describe("misuse gets one clear error each", () => {
  it("reports send/receive before accept, second accept, and send/receive/accept after close", async () => {
    const client = await connect("/misuse?report=misuse");
    expect(await client.receive()).toBe("ready");
    expect(await client.closed()).toEqual({ code: 4000, reason: "done" });
    const results = await eventually(() => {
      const list = reported("misuse") as { label: string }[];
      if (list.at(-1)?.label !== "end") throw new Error("handler not done");
      return list;
    });
    expect(results).toEqual([
      {
        label: "sendText before accept",
        name: "WebSocketError",
        message: "Cannot send before accept()",
        state: "connecting",
      },
      {
        label: "sendJson before accept",
        name: "WebSocketError",
        message: "Cannot send before accept()",
        state: "connecting",
      },
      {
        label: "receive before accept",
        name: "WebSocketError",
        message: "Cannot receive before accept()",
        state: "connecting",
      },
      {
        label: "second accept",
        name: "WebSocketError",
        message: "accept() was already called on this connection",
        state: "connected",
      },
      {
        label: "sendText non-string",
        name: "TypeError",
        message: "sendText() takes a string, got number",
        state: "connected",
      },
      {
        label: "sendJson undefined",
        name: "TypeError",
        message: "sendJson() cannot serialize undefined",
        state: "connected",
      },
      {
        label: "receive bad timeout",
        name: "RangeError",
        message: "timeout must be a finite number of milliseconds >= 0, got -1",
        state: "connected",
      },
      { label: "close again", ok: true },
      {
        label: "sendText after close",
        name: "WebSocketError",
        message: "Cannot send after close()",
        state: "disconnecting",
      },
      {
        label: "receive after close",
        name: "WebSocketDisconnect",
        message: "WebSocket disconnected: code=4000 reason=done",
        code: 4000,
        reason: "done",
        state: "disconnecting",
      },
      {
        label: "receiveText after close",
        name: "WebSocketDisconnect",
        message: "WebSocket disconnected: code=4000 reason=done",
        code: 4000,
        reason: "done",
        state: "disconnecting",
      },
      {
        label: "accept after close",
        name: "WebSocketError",
        message: "accept() was already called on this connection",
        state: "disconnecting",
      },
      { label: "end", state: "disconnecting", isConnected: false },
    ]);
  });

  it("rejects invalid close codes and reasons over 123 UTF-8 bytes with a RangeError, connection intact", async () => {
    const client = await connect("/close-args?report=close-args");
    expect(await client.closed()).toEqual({ code: 4001, reason: "é".repeat(61) });
    const results = reported("close-args") as Record<string, unknown>[];
    const codes = results.slice(0, 9);
    for (const result of codes) {
      expect(result).toMatchObject({
        name: "RangeError",
        message: expect.stringContaining(`Invalid close code ${String(result.code)}`),
      });
    }
    expect(codes.map((result) => result.code)).toEqual([999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 1000.5]);
    expect(results[9]).toMatchObject({
      code: 1000,
      bytes: 124,
      name: "RangeError",
      message: "The close reason is longer than 123 UTF-8 bytes",
    });
    expect(results[10]).toMatchObject({ code: 1000, bytes: 124, name: "RangeError" });
    expect(results[11]).toEqual({ state: "connected" });
  });
});

describe("the upgrade", () => {
  it("close() before accept() answers the upgrade with 403", async () => {
    const response = await upgrade("/refuse");
    expect(response.status).toBe(403);
    expect(response.webSocket).toBeNull();
  });

  it("a handler that returns without accepting answers 403, one that throws answers 500", async () => {
    const logged = captureLogs("error");
    expect((await upgrade("/return-early")).status).toBe(403);
    const failed = await upgrade("/throw-early");
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain("boom");
    await eventually(() => expect(logged).toEqual([failureLine("/throw-early", "Error: boom before accept")]));
  });

  it("answers 426 to a plain request on a WebSocket route, and hands unknown paths to the fallback", async () => {
    const plain = await upgrade("/echo", { headers: { Upgrade: "" } });
    expect(plain.status).toBe(426);
    expect(plain.headers.get("Upgrade")).toBe("websocket");
    const unknown = await upgrade("/nowhere");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ status: 404, error: "Not Found" });
  });

  it("without a fallback, answers 404 to an unknown path and 405 to a non-GET upgrade", async () => {
    const app = new Hypern();
    app.ws("/only", (ws) => ws.close());
    const ctx = createExecutionContext();
    const unknown = await app.fetch(
      new Request("http://example.com/nowhere", { headers: { Upgrade: "websocket" } }),
      env,
      ctx,
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe("No WebSocket route matches /nowhere");
    const post = await app.fetch(
      new Request("http://example.com/only", { method: "POST", headers: { Upgrade: "websocket" } }),
      env,
      ctx,
    );
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
  });

  it("answers 400 to malformed percent-encoding in a param", async () => {
    const response = await upgrade("/info/%E0%A4%A");
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("The path has malformed percent-encoding");
  });
});

describe("timeouts and cancellation", () => {
  it(
    "receiveText({ timeout }) rejects with a TimeoutError, the connection stays usable and the late " +
      "message is kept",
    async () => {
      const client = await connect("/timeout?report=timeout");
      expect(await client.receive()).toBe("timed out");
      expect(reported("timeout")).toEqual([
        { name: "TimeoutError", message: "No message within 50 ms", state: "connected" },
      ]);
      client.send("finally");
      expect(await client.receive()).toBe("late:finally");
    },
  );

  it("an aborted signal rejects the pending receive with its reason; the late message is kept", async () => {
    const client = await connect("/abort?report=abort");
    expect(await client.receive()).toBe("aborted");
    expect(reported("abort")).toEqual([
      { name: "Error", message: "cancelled by test" },
      { already: true, name: "Error", message: "cancelled by test" },
    ]);
    client.send("after abort");
    expect(await client.receive()).toBe("late:after abort");
  });
});

describe("closing", () => {
  it(
    "a client close reaches the pending receive as WebSocketDisconnect with its code and reason, " +
      "after the messages before it",
    async () => {
      const client = await connect("/wait-close?report=wait-close");
      expect(await client.receive()).toBe("waiting");
      client.send("one");
      client.send("two");
      client.close(4321, "client says bye");
      const results = await eventually(() => {
        const list = reported("wait-close");
        if (list.length < 3) throw new Error("handler not done");
        return list;
      });
      expect(results).toEqual([
        {
          messages: ["one", "two"],
          name: "WebSocketDisconnect",
          message: "WebSocket disconnected: code=4321 reason=client says bye",
          code: 4321,
          reason: "client says bye",
          state: "disconnected",
          isConnected: false,
        },
        {
          send: {
            name: "WebSocketDisconnect",
            message: "WebSocket disconnected: code=4321 reason=client says bye",
            code: 4321,
            reason: "client says bye",
          },
        },
        {
          again: {
            name: "WebSocketDisconnect",
            message: "WebSocket disconnected: code=4321 reason=client says bye",
            code: 4321,
            reason: "client says bye",
          },
        },
      ]);
    },
  );

  it("a close without a code reaches the handler as 1005 and is answered", async () => {
    const client = await connect("/wait-close?report=no-code");
    expect(await client.receive()).toBe("waiting");
    client.close();
    expect(await client.closed()).toEqual({ code: 1005, reason: "" });
    const [result] = await eventually(() => {
      const list = reported("no-code");
      if (list.length === 0) throw new Error("handler not done");
      return list;
    });
    expect(result).toMatchObject({ name: "WebSocketDisconnect", code: 1005, reason: "" });
  });

  it("a handler that returns closes with 1000; one that throws closes only its own connection with 1011", async () => {
    const returns = await connect("/return");
    returns.send("x");
    expect(await returns.receive()).toBe("bye:x");
    expect(await returns.closed()).toEqual({ code: 1000, reason: "" });

    const logged = captureLogs("error");
    const bystander = await connect("/echo");
    const thrower = await connect("/throw");
    thrower.send("y");
    expect(await thrower.closed()).toEqual({ code: 1011, reason: "Internal error" });
    bystander.send("still fine");
    expect(await bystander.receive()).toBe("still fine");
    await eventually(() => expect(logged).toEqual([failureLine("/throw", "Error: boom after y")]));
  });
});

describe("bounded queues", () => {
  it("closes a connection whose handler does not keep up with 1013 instead of dropping messages", async () => {
    const { QUEUE_BOUND } = await import("../worker/queue-bound.js");
    const slow = await connect("/never-reads");
    const bystander = await connect("/echo");
    expect(await slow.receive()).toBe("not reading");
    for (let i = 0; i <= QUEUE_BOUND; i++) slow.send(`m${i}`);
    expect(await slow.closed()).toEqual({ code: 1013, reason: "Message queue full: the handler is not keeping up" });
    bystander.send("unaffected");
    expect(await bystander.receive()).toBe("unaffected");
  });
});
