import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { DevServer } from "../e2e/wrangler-dev.js";
import { startWranglerDev } from "../e2e/wrangler-dev.js";

/**
 * Load against `wrangler dev` on loopback: many concurrent connections, every message checked for
 * loss and per-connection order. Sizes from the environment; `npm run test:load` runs the full size.
 * wrangler dev is far slower than workerd alone with many sockets on one object (the demo's /echo
 * puts all of them on one): the echo phase of the full size takes minutes, hence the long bounds.
 */
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 1000);
const MESSAGES = Number(process.env.LOAD_MESSAGES ?? 100);
const ROOM_SIZE = Number(process.env.LOAD_ROOM_SIZE ?? 10);
/** How long a phase may take before what has not arrived counts as lost. */
const WAIT_MS = 15 * 60_000;

let server: DevServer;

beforeAll(async () => {
  server = await startWranglerDev("wrangler.toml");
});

afterAll(async () => {
  await server?.stop();
});

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

async function openAll(urls: readonly string[]): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let start = 0; start < urls.length; start += 50)
    sockets.push(...(await Promise.all(urls.slice(start, start + 50).map(open))));
  return sockets;
}

function closeAll(sockets: readonly WebSocket[]): Promise<void[]> {
  return Promise.all(
    sockets.map((socket) => new Promise<void>((resolve) => socket.once("close", () => resolve()).close(1000))),
  );
}

const report = (figures: Record<string, number | string>): void => console.log(`load: ${JSON.stringify(figures)}`);

describe(`load: ${CONNECTIONS} connections x ${MESSAGES} messages`, () => {
  it("through echo: nothing lost, every connection's replies in order", { timeout: WAIT_MS + 120_000 }, async () => {
    const sockets = await openAll(Array.from({ length: CONNECTIONS }, () => `${server.wsOrigin}/echo`));
    const started = performance.now();
    const outcomes = await Promise.all(
      sockets.map(
        (socket, connection) =>
          new Promise<{ received: number; misordered: number }>((resolve) => {
            let sent = 0;
            let received = 0;
            let misordered = 0;
            const send = (): void => void socket.send(`${connection}:${sent++}`);
            const timer = setTimeout(() => resolve({ received, misordered }), WAIT_MS);
            socket.on("message", (data) => {
              if (data.toString() !== `echo: ${connection}:${received}`) misordered += 1;
              received += 1;
              if (sent < MESSAGES) send();
              if (received === MESSAGES) {
                clearTimeout(timer);
                resolve({ received, misordered });
              }
            });
            for (let i = 0; i < Math.min(10, MESSAGES); i++) send();
          }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    await closeAll(sockets);
    const received = outcomes.reduce((sum, o) => sum + o.received, 0);
    const misordered = outcomes.reduce((sum, o) => sum + o.misordered, 0);
    report({
      scenario: "echo",
      connections: CONNECTIONS,
      messages: CONNECTIONS * MESSAGES,
      received,
      lost: CONNECTIONS * MESSAGES - received,
      misordered,
      seconds: Number(seconds.toFixed(1)),
    });
    expect({ lost: CONNECTIONS * MESSAGES - received, misordered }).toEqual({ lost: 0, misordered: 0 });
  });

  it(
    `through chat rooms of ${ROOM_SIZE}: every member gets every other member's messages once, in order`,
    { timeout: WAIT_MS + 120_000 },
    async () => {
      const rooms = Math.ceil(CONNECTIONS / ROOM_SIZE);
      const stamp = Date.now();
      const urls = Array.from(
        { length: CONNECTIONS },
        (_, member) => `${server.wsOrigin}/chat/load-${stamp}-${member % rooms}?name=${member}`,
      );
      const sockets = await openAll(urls);
      // A chat member joins its room before its 101 is sent: once all are open, everyone is in.
      const expectedPerMember = (member: number): number =>
        (Math.floor(CONNECTIONS / rooms) + (member % rooms < CONNECTIONS % rooms ? 1 : 0) - 1) * MESSAGES;
      const lastSeen = sockets.map(() => new Map<string, number>());
      const received = sockets.map(() => 0);
      let misordered = 0;
      const done = Promise.all(
        sockets.map(
          (socket, member) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, WAIT_MS);
              socket.on("message", (data) => {
                const event = JSON.parse(data.toString()) as { type: string; name?: string; text?: string };
                if (event.type !== "message") return;
                const seq = Number(event.text);
                if (seq !== (lastSeen[member]!.get(event.name!) ?? -1) + 1) misordered += 1;
                lastSeen[member]!.set(event.name!, seq);
                received[member]! += 1;
                if (received[member] === expectedPerMember(member)) {
                  clearTimeout(timer);
                  resolve();
                }
              });
            }),
        ),
      );
      const started = performance.now();
      for (let i = 0; i < MESSAGES; i++) for (const socket of sockets) socket.send(String(i));
      await done;
      const seconds = (performance.now() - started) / 1000;
      await closeAll(sockets);
      const expected = sockets.reduce((sum, _, member) => sum + expectedPerMember(member), 0);
      const total = received.reduce((sum, n) => sum + n, 0);
      report({
        scenario: "rooms",
        connections: CONNECTIONS,
        rooms,
        sent: CONNECTIONS * MESSAGES,
        deliveries: total,
        lost: expected - total,
        misordered,
        seconds: Number(seconds.toFixed(1)),
      });
      expect({ lost: expected - total, misordered }).toEqual({ lost: 0, misordered: 0 });
    },
  );
});
