import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { ConnectionState } from "../../src/client/index.js";
import { SESSION_PROTOCOL, SessionClient } from "../../src/client/index.js";
import { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE } from "../../src/shared/session-protocol.js";

/** A session server on loopback that welcomes with a heartbeat, and answers it or not. */
async function beatServer(hb: { i: number; t: number }, answer: () => boolean) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, handleProtocols: () => SESSION_PROTOCOL });
  const connections: { pings: number }[] = [];
  wss.on("connection", (socket) => {
    const seen = { pings: 0 };
    connections.push(seen);
    socket.send(
      JSON.stringify({ t: "w", session: "s1", id: "c1", recovered: connections.length > 1, missed: 0, rooms: {}, hb }),
    );
    socket.on("message", (data) => {
      if (String(data) !== HEARTBEAT_REQUEST) return;
      seen.pings += 1;
      if (answer()) socket.send(HEARTBEAT_RESPONSE);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/beat`;
  return {
    url,
    connections,
    stop: () =>
      new Promise<void>((resolve) => {
        wss.close();
        http.close(() => resolve());
      }),
  };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  delete (globalThis as { document?: unknown }).document;
});

async function until(check: () => boolean, timeoutMs = 4_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("the session client's heartbeat", () => {
  it("beats as the welcome says, and stays on a connection that answers", async () => {
    const server = await beatServer({ i: 40, t: 400 }, () => true);
    const client = new SessionClient(server.url, { WebSocket });
    stops.push(async () => client.close(), server.stop);
    await until(() => (server.connections[0]?.pings ?? 0) >= 5);
    expect(server.connections).toHaveLength(1);
  });

  it("takes a connection whose heartbeat goes unanswered for dead, and resumes on a new one", async () => {
    const server = await beatServer({ i: 40, t: 400 }, () => false);
    const client = new SessionClient(server.url, { WebSocket, backoff: { firstMs: 10, longestMs: 10 } });
    const states: ConnectionState[] = [];
    client.on("state", (state) => states.push(state));
    stops.push(async () => client.close(), server.stop);
    await until(() => server.connections.length >= 2);
    expect(states).toContainEqual(
      expect.objectContaining({
        state: "reconnecting",
        close: expect.objectContaining({ reason: "No answer to the heartbeat: resuming" }),
      }),
    );
  });

  it(
    "checks at once when the page becomes visible again (and waits 5 s for the answer)",
    { timeout: 15_000 },
    async () => {
      const page = Object.assign(new EventTarget(), { visibilityState: "visible" });
      (globalThis as { document?: unknown }).document = page;
      let answering = true;
      const server = await beatServer({ i: 60_000, t: 120_000 }, () => answering);
      const client = new SessionClient(server.url, { WebSocket, backoff: { firstMs: 10, longestMs: 10 } });
      stops.push(async () => client.close(), server.stop);
      await until(() => client.state.state === "open");
      answering = false;
      page.dispatchEvent(new Event("visibilitychange"));
      // One heartbeat goes out at once (the next would be a minute away), and its silence ends the connection.
      await until(() => (server.connections[0]?.pings ?? 0) === 1);
      await until(() => server.connections.length >= 2, 8_000);
    },
  );
});
