import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket as WsWebSocket } from "ws";
import type { CloseInfo, ConnectionState, FetchLike, SessionClientOptions } from "../../src/client/index.js";
import { SessionClient } from "../../src/client/index.js";
import type { RefusingServer } from "./refusing-server.js";
import { NO_BINDING, startRefusingServer } from "./refusing-server.js";

const FAST = { firstMs: 20, longestMs: 100 };
const WAIT = { timeout: 10_000, interval: 10 };
/** Long enough for several retries at FAST backoff, had there been any. */
const RETRIES_WOULD_HAVE_COME = 10 * FAST.longestMs;

/** Node's own WebSocket (Node 22): like a browser's, it shows nothing of a refused upgrade. */
const NodeWebSocket = globalThis.WebSocket;

let server: RefusingServer;
const clients: SessionClient[] = [];

beforeAll(async () => {
  server = await startRefusingServer();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  server.upgrades.length = 0;
  server.gets.length = 0;
  vi.unstubAllGlobals();
});

afterAll(() => server.close());

/** A client of `path` on the server (or of a whole URL), and every state it goes through. */
function watch(path: string, options: SessionClientOptions): ConnectionState[] {
  const states: ConnectionState[] = [];
  const client = new SessionClient(path.startsWith("ws:") ? path : server.origin + path, { backoff: FAST, ...options });
  clients.push(client);
  client.on("state", (state) => states.push(state));
  return states;
}

async function closedWith(states: ConnectionState[]): Promise<CloseInfo> {
  await vi.waitFor(() => expect(states.at(-1)?.state).toBe("closed"), WAIT);
  const last = states.at(-1);
  if (last?.state !== "closed") throw new Error("unreachable");
  return last.close;
}

async function firstRetryAfter(states: ConnectionState[]): Promise<CloseInfo> {
  await vi.waitFor(() => expect(states.map(({ state }) => state)).toContain("reconnecting"), WAIT);
  const retry = states.find((state) => state.state === "reconnecting");
  if (retry?.state !== "reconnecting") throw new Error("unreachable");
  return retry.close;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const { port } = listener.address() as AddressInfo;
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

const FINAL_REFUSALS = [
  { path: "/missing", status: 404, why: "HTTP 404: No WebSocket route matches /missing" },
  {
    path: "/room/%23general",
    status: 400,
    why: "HTTP 400: Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /",
  },
  { path: "/forbidden", status: 403, why: "HTTP 403: no reason given" }, // an HTML page is not shown as a reason
];

describe("a refused upgrade, on the ws package's WebSocket (which shows the server's answer)", () => {
  it.each(FINAL_REFUSALS)(
    "stops after $status, with the status and the server's reason, and does not try again",
    async ({ path, status, why }) => {
      const states = watch(path, { WebSocket: WsWebSocket });
      const close = await closedWith(states);
      expect(close).toMatchObject({ code: 1006, opened: false, status, final: true });
      expect(close.why).toBe(`The server refused the upgrade with ${why}`);
      await sleep(RETRIES_WOULD_HAVE_COME);
      expect(states.map(({ state }) => state)).toEqual(["connecting", "closed"]);
      expect(server.upgrades).toEqual([path]);
      expect(server.gets).toEqual([]); // the answer was in the socket: no need to ask
    },
  );

  it("stops on a route without sessions, and says to add them", async () => {
    const close = await closedWith(watch("/plain", { WebSocket: WsWebSocket }));
    expect(close).toEqual({
      code: 1006,
      reason: "",
      opened: false,
      final: true,
      why:
        "The route at /plain does not have sessions (the server did not select the hypern.session.v1 " +
        "subprotocol): add `sessions: true` to its options",
    });
    await sleep(RETRIES_WOULD_HAVE_COME);
    expect(server.upgrades).toEqual(["/plain"]);
  });

  it("stops on the 500 of a wiring mistake, with its explanation", async () => {
    const close = await closedWith(watch("/unwired", { WebSocket: WsWebSocket }));
    expect(close).toMatchObject({
      status: 500,
      final: true,
      why: `The server refused the upgrade with HTTP 500: ${NO_BINDING}`,
    });
  });

  it("retries a 503 (room full) and any other 500, with their status and reason", async () => {
    const full = watch("/full", { WebSocket: WsWebSocket });
    const crashing = watch("/crashing", { WebSocket: WsWebSocket });
    expect(await firstRetryAfter(full)).toMatchObject({
      status: 503,
      final: false,
      why: "The server refused the upgrade with HTTP 503: This room object is full: it holds at most 2 connections",
    });
    expect(await firstRetryAfter(crashing)).toMatchObject({
      status: 500,
      final: false,
      why: "The server refused the upgrade with HTTP 500: Internal Server Error",
    });
    await vi.waitFor(
      () => expect(server.upgrades.filter((path) => path === "/full").length).toBeGreaterThanOrEqual(3),
      WAIT,
    );
    await vi.waitFor(
      () => expect(server.upgrades.filter((path) => path === "/crashing").length).toBeGreaterThanOrEqual(3),
      WAIT,
    );
  });

  it("retries when the server cannot be reached, naming the network error", async () => {
    const port = await closedPort();
    const states = watch(`ws://127.0.0.1:${port}/session`, { WebSocket: WsWebSocket });
    const close = await firstRetryAfter(states);
    expect(close).toMatchObject({ code: 1006, opened: false, final: false });
    expect(close.status).toBeUndefined();
    expect(close.why).toBe(
      `The upgrade failed (connect ECONNREFUSED 127.0.0.1:${port}), and a plain GET of the address got no answer`,
    );
    await vi.waitFor(
      () => expect(states.filter(({ state }) => state === "reconnecting").length).toBeGreaterThanOrEqual(3),
      WAIT,
    );
  });

  it("leaves the last word to the retry option, which hears why", async () => {
    const heard: CloseInfo[] = [];
    watch("/missing", { WebSocket: WsWebSocket, retry: (close) => heard.push(close) < 3 });
    await vi.waitFor(() => expect(heard).toHaveLength(3), WAIT);
    expect(heard[0]).toMatchObject({
      status: 404,
      final: true,
      why: "The server refused the upgrade with HTTP 404: No WebSocket route matches /missing",
    });
    expect(server.upgrades).toEqual(["/missing", "/missing", "/missing"]);
  });

  it("still stops after a close code that says retrying cannot help (1008)", async () => {
    const close = await closedWith(watch("/banned", { WebSocket: WsWebSocket }));
    expect(close).toEqual({ code: 1008, reason: "banned", opened: true, final: true });
    await sleep(RETRIES_WOULD_HAVE_COME);
    expect(server.upgrades).toEqual(["/banned"]);
  });
});

describe("a refused upgrade, on Node's own WebSocket (which, like a browser's, shows nothing of the answer)", () => {
  it.each(FINAL_REFUSALS)(
    "asks with a plain GET, and stops after $status with the status and the server's reason",
    async ({ path, status, why }) => {
      const states = watch(path, { WebSocket: NodeWebSocket });
      const close = await closedWith(states);
      expect(close).toMatchObject({ code: 1006, opened: false, status, final: true });
      expect(close.why).toMatch(/^The upgrade failed( \(.+\))?; a plain GET of the address answers /);
      expect(close.why?.endsWith(why)).toBe(true);
      await sleep(RETRIES_WOULD_HAVE_COME);
      expect(states.map(({ state }) => state)).toEqual(["connecting", "closed"]);
      expect(server.upgrades).toEqual([path]);
      expect(server.gets).toEqual([path]);
    },
  );

  it(
    "retries when the plain GET answers 426 (the path is a WebSocket route), saying what may have " + "refused it",
    async () => {
      const states = watch("/full", { WebSocket: NodeWebSocket });
      const close = await firstRetryAfter(states);
      expect(close).toMatchObject({ code: 1006, opened: false, final: false });
      expect(close.status).toBeUndefined();
      expect(close.why).toMatch(
        /^The upgrade failed( \(.+\))?, though a plain GET answers 426 \(the path is a WebSocket route\)/,
      );
      await vi.waitFor(() => expect(server.upgrades.length).toBeGreaterThanOrEqual(3), WAIT);
      expect(server.gets.length).toBeGreaterThanOrEqual(2);
    },
  );

  it("retries when the server cannot be reached, naming the network error the GET met", async () => {
    const port = await closedPort();
    const states = watch(`ws://127.0.0.1:${port}/session`, { WebSocket: NodeWebSocket });
    const close = await firstRetryAfter(states);
    expect(close).toMatchObject({ code: 1006, opened: false, final: false });
    expect(close.why).toMatch(
      new RegExp(
        `^The upgrade failed( \\(.+\\))?, and a plain GET of the address got no answer \\(connect ECONNREFUSED ` +
          `127\\.0\\.0\\.1:${port}\\)$`,
      ),
    );
    await vi.waitFor(
      () => expect(states.filter(({ state }) => state === "reconnecting").length).toBeGreaterThanOrEqual(3),
      WAIT,
    );
  });

  it("asks with the fetch option, and without any fetch does not ask (and keeps retrying)", async () => {
    const realFetch = globalThis.fetch;
    vi.stubGlobal("fetch", undefined);
    const asked: string[] = [];
    const recording: FetchLike = (url, init) => {
      asked.push(url);
      return realFetch(url, init);
    };
    expect(await closedWith(watch("/missing", { WebSocket: NodeWebSocket, fetch: recording }))).toMatchObject({
      status: 404,
      final: true,
    });
    expect(asked).toEqual([`${server.origin.replace("ws:", "http:")}/missing`]);

    const close = await firstRetryAfter(watch("/missing", { WebSocket: NodeWebSocket }));
    expect(close).toMatchObject({ opened: false, final: false });
    expect(close.status).toBeUndefined();
    expect(close.why).toMatch(/^The upgrade failed( \(.+\))?$/);
    expect(server.gets).toEqual(["/missing"]); // the option's one GET, no other
  });
});
