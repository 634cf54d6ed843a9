import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { SESSION_PROTOCOL } from "../../src/shared/session-protocol.js";

export const NO_BINDING =
  'No Durable Object binding "ROOMS" in env: add [[durable_objects.bindings]] with name = "ROOMS" and class_name = ' +
  'your "export class ... extends app.RoomObject {}" to wrangler.toml, or pass { binding } to new Hypern()';

/** How each path answers an upgrade, and a plain GET, the way a Hypern Worker would. */
const REFUSALS: Readonly<
  Record<
    string,
    { readonly upgrade: readonly [number, string, string?]; readonly get: readonly [number, string, string?] }
  >
> = {
  "/missing": {
    upgrade: [404, "No WebSocket route matches /missing"],
    get: [404, "No WebSocket route matches /missing"],
  },
  "/room/%23general": {
    upgrade: [400, "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /"],
    get: [400, "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /"],
  },
  "/full": {
    upgrade: [503, "This room object is full: it holds at most 2 connections"],
    get: [426, "/full is a WebSocket endpoint: connect with a WebSocket client"],
  },
  "/unwired": {
    upgrade: [500, NO_BINDING],
    get: [426, "/unwired is a WebSocket endpoint: connect with a WebSocket client"],
  },
  "/crashing": {
    upgrade: [500, "Internal Server Error"],
    get: [426, "/crashing is a WebSocket endpoint: connect with a WebSocket client"],
  },
  "/forbidden": {
    upgrade: [403, "<!doctype html><title>Forbidden</title>", "text/html"],
    get: [403, "<!doctype html><title>Forbidden</title>", "text/html"],
  },
};

export interface RefusingServer {
  /** ws://127.0.0.1:<port> */
  readonly origin: string;
  /** The paths of the upgrades and of the plain GETs it received, in order. */
  readonly upgrades: string[];
  readonly gets: string[];
  close(): Promise<void>;
}

/**
 * A real server on 127.0.0.1 that refuses upgrades as a Hypern Worker does: each path in REFUSALS
 * with its status and plain-text reason (a plain GET of a path the Worker takes answers 426);
 * `/plain` accepts without the session subprotocol (a route without `sessions`); `/banned` accepts
 * with it, then closes with 1008.
 */
export async function startRefusingServer(): Promise<RefusingServer> {
  const upgrades: string[] = [];
  const gets: string[] = [];
  const http = createServer((request, response) => {
    const path = request.url ?? "";
    gets.push(path);
    const [status, body, type = "text/plain; charset=utf-8"] = REFUSALS[path]?.get ?? [
      426,
      `${path} is a WebSocket endpoint: connect with a WebSocket client`,
    ];
    response.writeHead(status, { "Content-Type": type });
    response.end(body);
  });
  const plain = new WebSocketServer({ noServer: true, handleProtocols: () => false });
  const sessions = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(SESSION_PROTOCOL) ? SESSION_PROTOCOL : false),
  });
  http.on("upgrade", (request, socket, head) => {
    const path = request.url ?? "";
    upgrades.push(path);
    const refusal = REFUSALS[path]?.upgrade;
    if (refusal !== undefined) {
      const [status, body, type = "text/plain; charset=utf-8"] = refusal;
      socket.end(
        `HTTP/1.1 ${status} Refused\r\nContent-Type: ${type}\r\nContent-Length: ` +
          `${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else if (path === "/plain") {
      plain.handleUpgrade(request, socket, head, () => {});
    } else {
      sessions.handleUpgrade(request, socket, head, (opened) => opened.close(1008, "banned"));
    }
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    origin: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    upgrades,
    gets,
    close: async () => {
      for (const client of [...plain.clients, ...sessions.clients]) client.terminate();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
