import { describe, expect, it } from "vitest";
import { reported } from "../worker/reports.js";
import { WorkerWebSocket } from "../../src/testing/index.js";
import { eventually } from "./client.js";

let keys = 0;
const freshKey = (): string => `worker-web-socket-${Date.now()}-${++keys}`;

/** A socket and everything it reported, in order. */
function watched(url: string): { socket: WorkerWebSocket; events: unknown[] } {
  const socket = new WorkerWebSocket(url);
  const events: unknown[] = [];
  socket.addEventListener("open", () => events.push("open"));
  socket.addEventListener("message", ({ data }) => events.push({ message: data }));
  socket.addEventListener("error", ({ error }) =>
    events.push({ error: error instanceof Error ? error.message : error }),
  );
  socket.addEventListener("close", ({ code, reason }) => events.push({ close: code, reason }));
  return { socket, events };
}

describe("WorkerWebSocket: the session client's WebSocket, through the Worker under test", () => {
  it("opens through the Worker's fetch, sends and receives", async () => {
    const { socket, events } = watched("ws://example.com/echo");
    await eventually(() => expect(events).toEqual(["open"]));
    expect(socket.readyState).toBe(1);
    socket.send("hi");
    await eventually(() => expect(events).toEqual(["open", { message: "hi" }]));
    socket.close(1000, "bye");
    await eventually(() => expect(events.at(-1)).toEqual({ close: 1000, reason: "bye" }));
  });

  it(
    "drops as a network failure would: 1006 here at once, nothing heard after, and the server sees " +
      "a close that is not a goodbye",
    async () => {
      const key = freshKey();
      const { socket, events } = watched(`http://example.com/wait-close?report=${key}`);
      await eventually(() => expect(events).toEqual(["open", { message: "waiting" }]));
      socket.send("last words");
      socket.drop();
      expect(events.at(-1)).toEqual({ close: 1006, reason: "" });
      expect(socket.readyState).toBe(3);
      // The handler saw the disconnect, then sent into the connection: that is not heard here.
      await eventually(() =>
        expect(reported(key)[0]).toMatchObject({ messages: ["last words"], name: "WebSocketDisconnect", code: 4999 }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).toEqual(["open", { message: "waiting" }, { close: 1006, reason: "" }]);
      expect(() => socket.send("too late")).toThrow("not open");
    },
  );

  it("dropped while connecting: 1006 at once, and the server's end is closed as soon as it is there", async () => {
    const key = freshKey();
    const { socket, events } = watched(`http://example.com/wait-close?report=${key}`);
    socket.drop();
    expect(events).toEqual([{ close: 1006, reason: "" }]);
    await eventually(() =>
      expect(reported(key)[0]).toMatchObject({ messages: [], name: "WebSocketDisconnect", code: 4999 }),
    );
    expect(events).toEqual([{ close: 1006, reason: "" }]);
  });

  it("reports a refused upgrade as an error with the status and body, then a 1006 close", async () => {
    const { socket, events } = watched("http://example.com/strict/room/lobby");
    await eventually(() => expect(events).toHaveLength(2));
    expect(events[0]).toEqual({
      error: expect.stringMatching(
        /^The upgrade of http:\/\/example\.com\/strict\/room\/lobby was refused with HTTP 4\d\d: ./,
      ),
    });
    expect(events[1]).toEqual({ close: 1006, reason: "" });
    expect(socket.readyState).toBe(3);
  });
});
