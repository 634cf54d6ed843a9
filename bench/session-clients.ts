import WebSocket from "ws";
import type { Backoff, SessionClient, WebSocketConstructor, Welcome } from "../src/client/index.js";
import { sleep } from "./clients.ts";
import { sessionClientModule } from "./session-client-module.ts";

/** A session client of the load generator, on the `ws` package, and the sockets it has opened. */
export interface BenchSessionClient {
  readonly client: SessionClient;
  readonly sockets: readonly WebSocket[];
  readonly welcomes: readonly Welcome[];
  /** Acknowledgement frames it has sent, over all its sockets. */
  readonly sent: { acknowledgements: number };
}

/**
 * `ws`'s WebSocket as the session client takes it, without compression (as the plain clients),
 * noting each socket and counting the acknowledgements sent on it.
 */
function trackingWebSocket(sockets: WebSocket[], sent: { acknowledgements: number }): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, { perMessageDeflate: false });
      sockets.push(this);
      const send = this.send.bind(this) as (...args: unknown[]) => void;
      this.send = ((data: unknown, ...rest: unknown[]) => {
        if (typeof data === "string" && data.startsWith('{"t":"a"')) sent.acknowledgements += 1;
        send(data, ...rest);
      }) as WebSocket["send"];
    }
  } as unknown as WebSocketConstructor;
}

/** Acknowledgements the clients have sent in all. */
export const acknowledgementsSent = (clients: readonly BenchSessionClient[]): number =>
  clients.reduce((sum, { sent }) => sum + sent.acknowledgements, 0);

/** Opens one session client and waits for its first welcome. */
async function openOne(url: string, backoff: Partial<Backoff>, timeoutMs: number): Promise<BenchSessionClient> {
  const { SessionClient } = await sessionClientModule();
  const sockets: WebSocket[] = [];
  const welcomes: Welcome[] = [];
  const sent = { acknowledgements: 0 };
  const client = new SessionClient(url, { WebSocket: trackingWebSocket(sockets, sent), backoff });
  client.on("welcome", (welcome) => welcomes.push(welcome));
  const deadline = performance.now() + timeoutMs;
  while (welcomes.length === 0) {
    if (performance.now() > deadline) {
      client.close();
      throw new Error(`A session client got no welcome within ${timeoutMs} ms (${JSON.stringify(client.state)})`);
    }
    await sleep(5);
  }
  return { client, sockets, welcomes, sent };
}

/** Opens `count` session clients, `concurrency` at a time, each once welcomed. */
export async function openSessionClients(
  url: string,
  count: number,
  backoff: Partial<Backoff> = {},
  concurrency = 50,
): Promise<BenchSessionClient[]> {
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
