import { createExecutionContext, env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Hypern } from "../../src/index.js";
import { reported } from "../worker/reports.js";
import { connect, eventually, upgrade } from "./client.js";
import { captureLogs, failureLine } from "./logged.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("send and receive", () => {
  it("echoes text and bytes through receive() / sendText / sendBytes", async () => {
    const client = await connect("/echo");
    client.send("hello");
    expect(await client.next()).toBe("hello");
    client.send(new Uint8Array([1, 2, 3]));
    const bytes = await client.next();
    expect(bytes).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(bytes as ArrayBuffer)]).toEqual([1, 2, 3]);
    client.send("");
    expect(await client.next()).toBe("");
    client.close(1000, "done");
    expect(await client.closed).toEqual({ code: 1000, reason: "done" });
  });

  it("receiveJson parses and sendJson sends compact JSON", async () => {
    const client = await connect("/json");
    client.send(JSON.stringify({ a: [1, 2], b: { c: "d" } }, null, 2));
    expect(await client.nextText()).toBe('{"got":{"a":[1,2],"b":{"c":"d"}}}');
  });

  it("bad JSON raises a WebSocketError carrying the frame, and the connection stays open", async () => {
    const client = await connect("/json");
    client.send("{not json");
    expect(await client.nextJson()).toEqual({
      error: "WebSocketError",
      message: "The text message is not valid JSON",
      frame: { type: "text", data: "{not json" },
      cause: "SyntaxError",
    });
    client.send("[1]");
    expect(await client.nextJson()).toEqual({ got: [1] });
  });

  it("a binary frame for receiveText raises a WebSocketError carrying it, and the connection stays open", async () => {
    const client = await connect("/text-only");
    client.send(new Uint8Array([7, 8]));
    expect(await client.nextJson()).toEqual({ error: "WebSocketError", frameType: "bytes", frameBytes: [7, 8] });
    client.send("still here");
    expect(await client.next()).toBe("text:still here");
  });

  it("a text frame for receiveBytes raises a WebSocketError carrying it; bytes arrive as a Uint8Array", async () => {
    const client = await connect("/bytes-only");
    client.send("text");
    expect(await client.nextJson()).toEqual({ error: "WebSocketError", frame: { type: "text", data: "text" } });
    client.send(new Uint8Array([9, 0, 0]));
    expect(await client.nextJson()).toEqual({ length: 3, first: 9, isUint8Array: true });
  });
});

describe("connection properties", () => {
  it("exposes id, state, path, decoded params, lower-case headers, query, client host and subprotocol", async () => {
    const client = await connect("/info/J%C3%BCrgen%20K/extra?x=1&x=2&y=%C3%A9", {
      "X-Custom-Header": "Value",
      "CF-Connecting-IP": "203.0.113.7",
    });
    const info = await client.nextJson<Record<string, unknown>>();
    expect(info.id).toMatch(uuid);
    expect(info.before).toEqual({ state: "connecting", isConnected: false });
    expect(info.after).toEqual({ state: "connected", isConnected: true });
    expect(info.path).toBe("/info/J%C3%BCrgen%20K/extra");
    expect(info.params).toEqual({ name: "Jürgen K", rest: "extra" });
    expect(info.query).toEqual([["x", "1"], ["x", "2"], ["y", "é"]]);
    expect(info.headers).toMatchObject({ "x-custom-header": "Value", upgrade: "websocket" });
    expect(Object.keys(info.headers as object).every((name) => name === name.toLowerCase())).toBe(true);
    expect(info.clientHost).toBe("203.0.113.7");
    expect(info.subprotocol).toBeNull();
    expect(info.resumed).toBe(false);
    expect(info.data).toBeNull();
    expect(client.response.headers.get("X-Accepted")).toBe("yes");
  });

  it("an optional param that is absent is undefined", async () => {
    const client = await connect("/info/solo");
    const info = await client.nextJson<{ params: Record<string, unknown> }>();
    expect(info.params).toEqual({ name: "solo" });
  });

  it("gives every connection its own server-made id; headers a client adds change nothing", async () => {
    const forged = { "x-hypern-handoff": encodeURIComponent(JSON.stringify({ route: "/echo", params: { name: "evil" } })), "x-connection-id": "evil" };
    const [a, b] = await Promise.all([connect("/info/a", forged), connect("/info/b", forged)]);
    const [infoA, infoB] = await Promise.all([a.nextJson<Record<string, unknown>>(), b.nextJson<Record<string, unknown>>()]);
    expect(infoA.id).toMatch(uuid);
    expect(infoA.id).not.toBe(infoB.id);
    expect(infoA.id).not.toBe("evil");
    // The room object routes by the path alone: the forged header is just a header.
    expect(infoA.params).toEqual({ name: "a" });
    expect(infoA.path).toBe("/info/a");
  });

  it("keeps headers too large to store: all of them on the first run, all but the largest after a resume", async () => {
    const cookie = `session=${"c".repeat(17_000)}`;
    const client = await connect("/hib/big-headers?report=big-headers", { Cookie: cookie, "X-Test": "small" });
    expect(await client.next()).toBe("hello");
    client.send("headers");
    expect(await client.nextJson()).toEqual({ resumed: false, cookieLength: cookie.length, xTest: "small" });
    await evictDurableObject(env.ROOMS.get(env.ROOMS.idFromName("hib:big-headers")));
    client.send("headers");
    expect(await client.nextJson()).toEqual({ resumed: true, cookieLength: null, xTest: "small" });
  });

  it("accepts with a subprotocol the client offered, and refuses one it did not", async () => {
    const client = await connect("/subprotocol?report=subprotocol", { "Sec-WebSocket-Protocol": "chat.v1, chat.v2" });
    expect(client.response.headers.get("Sec-WebSocket-Protocol")).toBe("chat.v2");
    expect(await client.next()).toBe("chose:chat.v2");
    expect(reported("subprotocol")).toEqual([
      { name: "WebSocketError", message: 'Cannot accept subprotocol "not-offered": the client offered "chat.v1", "chat.v2"' },
    ]);
  });
});

describe("misuse gets one clear error each", () => {
  it("reports send/receive before accept, second accept, and send/receive/accept after close", async () => {
    const client = await connect("/misuse?report=misuse");
    expect(await client.next()).toBe("ready");
    expect(await client.closed).toEqual({ code: 4000, reason: "done" });
    const results = await eventually(() => {
      const list = reported("misuse") as { label: string }[];
      if (list.at(-1)?.label !== "end") throw new Error("handler not done");
      return list;
    });
    expect(results).toEqual([
      { label: "sendText before accept", name: "WebSocketError", message: "Cannot send before accept()", state: "connecting" },
      { label: "sendJson before accept", name: "WebSocketError", message: "Cannot send before accept()", state: "connecting" },
      { label: "receive before accept", name: "WebSocketError", message: "Cannot receive before accept()", state: "connecting" },
      { label: "second accept", name: "WebSocketError", message: "accept() was already called on this connection", state: "connected" },
      { label: "sendText non-string", name: "TypeError", message: "sendText() takes a string, got number", state: "connected" },
      { label: "sendJson undefined", name: "TypeError", message: "sendJson() cannot serialize undefined", state: "connected" },
      {
        label: "receive bad timeout",
        name: "RangeError",
        message: "timeout must be a finite number of milliseconds >= 0, got -1",
        state: "connected",
      },
      { label: "close again", ok: true },
      { label: "sendText after close", name: "WebSocketError", message: "Cannot send after close()", state: "disconnecting" },
      { label: "receive after close", name: "WebSocketDisconnect", message: "WebSocket disconnected: code=4000 reason=done", code: 4000, reason: "done", state: "disconnecting" },
      { label: "receiveText after close", name: "WebSocketDisconnect", message: "WebSocket disconnected: code=4000 reason=done", code: 4000, reason: "done", state: "disconnecting" },
      { label: "accept after close", name: "WebSocketError", message: "accept() was already called on this connection", state: "disconnecting" },
      { label: "end", state: "disconnecting", isConnected: false },
    ]);
  });

  it("rejects invalid close codes and reasons over 123 UTF-8 bytes with a RangeError, connection intact", async () => {
    const client = await connect("/close-args?report=close-args");
    expect(await client.closed).toEqual({ code: 4001, reason: "é".repeat(61) });
    const results = reported("close-args") as Record<string, unknown>[];
    const codes = results.slice(0, 9);
    for (const result of codes) {
      expect(result).toMatchObject({ name: "RangeError", message: expect.stringContaining(`Invalid close code ${String(result.code)}`) });
    }
    expect(codes.map((result) => result.code)).toEqual([999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 1000.5]);
    expect(results[9]).toMatchObject({ code: 1000, bytes: 124, name: "RangeError", message: "The close reason is longer than 123 UTF-8 bytes" });
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
    await eventually(() => expect(logged).toEqual([failureLine("/throw-early", "Error: boom before accept")]), 2_000);
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
    const unknown = await app.fetch(new Request("http://example.com/nowhere", { headers: { Upgrade: "websocket" } }), env, ctx);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe("No WebSocket route matches /nowhere");
    const post = await app.fetch(new Request("http://example.com/only", { method: "POST", headers: { Upgrade: "websocket" } }), env, ctx);
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
  });

  it("answers 400 to malformed percent-encoding in a param", async () => {
    const response = await upgrade("/info/%E0%A4%A");
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("The path has malformed percent-encoding");
  });

  it("explains a missing room binding instead of failing obscurely", async () => {
    const app = new Hypern({ binding: "MISSING" });
    app.ws("/x", (ws) => ws.close());
    await expect(
      app.fetch(new Request("http://example.com/x", { headers: { Upgrade: "websocket" } }), env, createExecutionContext()),
    ).rejects.toThrow('No Durable Object binding "MISSING" in env: add [[durable_objects.bindings]] name = "MISSING"');
  });
});

describe("timeouts and cancellation", () => {
  it("receiveText({ timeout }) rejects with a TimeoutError, the connection stays usable and the late message is kept", async () => {
    const client = await connect("/timeout?report=timeout");
    expect(await client.next()).toBe("timed out");
    expect(reported("timeout")).toEqual([{ name: "TimeoutError", message: "No message within 50 ms", state: "connected" }]);
    client.send("finally");
    expect(await client.next()).toBe("late:finally");
  });

  it("an aborted signal rejects the pending receive with its reason; the late message is kept", async () => {
    const client = await connect("/abort?report=abort");
    expect(await client.next()).toBe("aborted");
    expect(reported("abort")).toEqual([
      { name: "Error", message: "cancelled by test" },
      { already: true, name: "Error", message: "cancelled by test" },
    ]);
    client.send("after abort");
    expect(await client.next()).toBe("late:after abort");
  });
});

describe("closing", () => {
  it("a client close reaches the pending receive as WebSocketDisconnect with its code and reason, after the messages before it", async () => {
    const client = await connect("/wait-close?report=wait-close");
    expect(await client.next()).toBe("waiting");
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
      { send: { name: "WebSocketDisconnect", message: "WebSocket disconnected: code=4321 reason=client says bye", code: 4321, reason: "client says bye" } },
      { again: { name: "WebSocketDisconnect", message: "WebSocket disconnected: code=4321 reason=client says bye", code: 4321, reason: "client says bye" } },
    ]);
  });

  it("a close without a code reaches the handler as 1005 and is answered", async () => {
    const client = await connect("/wait-close?report=no-code");
    expect(await client.next()).toBe("waiting");
    client.close();
    expect(await client.closed).toEqual({ code: 1005, reason: "" });
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
    expect(await returns.next()).toBe("bye:x");
    expect(await returns.closed).toEqual({ code: 1000, reason: "" });

    const logged = captureLogs("error");
    const bystander = await connect("/echo");
    const thrower = await connect("/throw");
    thrower.send("y");
    expect(await thrower.closed).toEqual({ code: 1011, reason: "Internal error" });
    bystander.send("still fine");
    expect(await bystander.next()).toBe("still fine");
    await eventually(() => expect(logged).toEqual([failureLine("/throw", "Error: boom after y")]), 2_000);
  });
});

describe("bounded queues", () => {
  it("closes a connection whose handler does not keep up with 1013 instead of dropping messages", async () => {
    const { QUEUE_BOUND } = await import("../worker/index.js");
    const slow = await connect("/never-reads");
    const bystander = await connect("/echo");
    expect(await slow.next()).toBe("not reading");
    for (let i = 0; i <= QUEUE_BOUND; i++) slow.send(`m${i}`);
    expect(await slow.closed).toEqual({ code: 1013, reason: "Message queue full: the handler is not keeping up" });
    bystander.send("unaffected");
    expect(await bystander.next()).toBe("unaffected");
  });
});
