import WebSocket from "ws";
import type { Backoff, SessionClient, WebSocketConstructor, Welcome } from "../src/client/index.js";
import { sleep } from "./clients.ts";
import { sessionClientModule } from "./session-client-module.ts";

/** A session client of the load generator, on the `ws` package, and the sockets it has opened. */
export interface BenchSessionClient {
  readonly client: SessionClient;
  readonly sockets: readonly WebSocket[];
  readonly welcomes: readonly Welcome[];
}

/** `ws`'s WebSocket as the session client takes it, without compression (as the plain clients), noting each socket. */
function trackingWebSocket(sockets: WebSocket[]): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, { perMessageDeflate: false });
      sockets.push(this);
    }
  } as unknown as WebSocketConstructor;
}

/** Opens one session client and waits for its first welcome. */
async function openOne(url: string, backoff: Partial<Backoff>, timeoutMs: number): Promise<BenchSessionClient> {
  const { SessionClient } = await sessionClientModule();
  const sockets: WebSocket[] = [];
  const welcomes: Welcome[] = [];
  const client = new SessionClient(url, { WebSocket: trackingWebSocket(sockets), backoff });
  client.on("welcome", (welcome) => welcomes.push(welcome));
  const deadline = performance.now() + timeoutMs;
  while (welcomes.length === 0) {
    if (performance.now() > deadline) {
      client.close();
      throw new Error(`A session client got no welcome within ${timeoutMs} ms (${JSON.stringify(client.state)})`);
    }
    await sleep(5);
  }
  return { client, sockets, welcomes };
}

/** Opens `count` session clients, `concurrency` at a time, each once welcomed. */
export async function openSessionClients(url: string, count: number, backoff: Partial<Backoff> = {}, concurrency = 50): Promise<BenchSessionClient[]> {
  const clients: BenchSessionClient[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Math.min(concurrency, count - start);
    clients.push(...(await Promise.all(Array.from({ length: batch }, () => openOne(url, backoff, 10_000)))));
  }
  return clients;
}

/** Closes the clients for good (1000: their sessions end) and waits until each socket has closed. */
export async function closeSessionClients(clients: readonly BenchSessionClient[]): Promise<void> {
  await Promise.all(
    clients.map(({ client, sockets }) => {
      client.close();
      const socket = sockets.at(-1);
      return new Promise<void>((resolve) => {
        if (socket === undefined || socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
      });
    }),
  );
}
