import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket as WsWebSocket, WebSocketServer } from "ws";
import type { ConnectionState } from "../../examples/page/chat-connection.js";
import { ChatConnection } from "../../examples/page/chat-connection.js";
import { DEFAULT_BACKOFF } from "../../src/client/backoff.js";
import { freePort } from "../e2e/wrangler-dev.js";

const REASON = "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /";

/**
 * A stand-in for the Worker that answers as upgrade-refusal.ts expects it to (the demo Worker does
 * not yet answer a plain GET with the refusal): /chat/refused is refused with 400 and its reason,
 * upgrade and plain GET alike; /chat/busy refuses the upgrade with 503 but answers a plain GET with
 * 426 (the path is fine); /chat/open accepts the upgrade, then drops the connection.
 */
const seen = { upgrades: [] as string[], gets: [] as string[] };
const standIn = createServer((request, response) => {
  seen.gets.push(request.url ?? "");
  const refused = request.url?.startsWith("/chat/refused");
  response.writeHead(refused ? 400 : 426, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(refused ? REASON : "connect with a WebSocket client");
});
const sockets = new WebSocketServer({ noServer: true });
standIn.on("upgrade", (request, socket, head) => {
  seen.upgrades.push(request.url ?? "");
  if (request.url?.startsWith("/chat/open")) {
    sockets.handleUpgrade(request, socket, head, (opened) => opened.terminate());
    return;
  }
  const [status, body] = request.url?.startsWith("/chat/refused") ? ["400 Bad Request", REASON] : ["503 Service Unavailable", "Room full"];
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
});

/**
 * The page's code runs on the ws package's WebSocket: Node's own (undici) never fires `close` after a
 * refused handshake, where browsers and ws fire it with 1006. Like a browser's, it may have no error
 * listener (ws would throw an unheard error).
 */
class BrowserLikeWebSocket extends WsWebSocket {
  constructor(url: string) {
    super(url);
    this.on("error", () => {});
  }
}

let origin: string;
let connection: ChatConnection | undefined;
let states: ConnectionState[] = [];

beforeAll(async () => {
  vi.stubGlobal("WebSocket", BrowserLikeWebSocket);
  await new Promise<void>((resolve) => standIn.listen(0, "127.0.0.1", resolve));
  origin = `ws://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
});

afterEach(() => {
  connection?.end("test over");
  connection = undefined;
  states = [];
  seen.upgrades = [];
  seen.gets = [];
});

afterAll(async () => {
  vi.unstubAllGlobals();
  sockets.close();
  await new Promise((resolve) => standIn.close(resolve));
});

function connect(url: string): void {
  connection = new ChatConnection(url, { state: (state) => states.push(state), event: () => {} });
  connection.start();
}

const phases = (): string[] => states.map((state) => state.phase);
const WAIT = { timeout: 10_000, interval: 20 };

describe("the page's connection when an upgrade fails (in Node, against a stand-in server)", () => {
  it("asks with a plain GET, shows the server's reason for a 4xx, and does not try again", async () => {
    connect(`${origin}/chat/refused?name=alice`);
    await vi.waitFor(() => expect(phases()).toContain("refused"), WAIT);
    expect(states).toEqual([{ phase: "connecting", attempt: 0 }, { phase: "refused", refusal: { status: 400, reason: REASON } }]);
    await new Promise((resolve) => setTimeout(resolve, 3 * DEFAULT_BACKOFF.firstMs)); // longer than a first retry waits
    expect(seen).toEqual({ upgrades: ["/chat/refused?name=alice"], gets: ["/chat/refused?name=alice"] });
    expect(phases()).toEqual(["connecting", "refused"]);
  });

  it("keeps retrying with backoff when the plain GET says the path is fine (426)", async () => {
    connect(`${origin}/chat/busy?name=bob`);
    await vi.waitFor(() => expect(seen.upgrades.length).toBeGreaterThanOrEqual(3), WAIT);
    expect(states.slice(0, 3)).toEqual([
      { phase: "connecting", attempt: 0 },
      { phase: "retrying", attempt: 1, delayMs: expect.any(Number), close: { code: 1006, reason: "" } },
      { phase: "connecting", attempt: 1 },
    ]);
    expect(phases()).not.toContain("refused");
    expect(seen.gets.length).toBeGreaterThanOrEqual(2);
  });

  it("keeps retrying when the server cannot be reached at all", async () => {
    connect(`ws://127.0.0.1:${await freePort()}/chat/lobby?name=carol`);
    await vi.waitFor(() => expect(phases().filter((phase) => phase === "retrying").length).toBeGreaterThanOrEqual(2), WAIT);
    expect(phases()).not.toContain("refused");
  });

  it("does not ask about a connection that had opened: it just reconnects", async () => {
    connect(`${origin}/chat/open?name=dana`);
    await vi.waitFor(() => expect(phases()).toEqual(["connecting", "open", "retrying"]), WAIT);
    expect(seen.gets).toEqual([]);
  });
});
