import type WebSocket from "ws";
import type { Implementation } from "../clients.ts";
import { closeAll, openMany } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import { quantile } from "../stats.ts";

export interface EchoSizes {
  connections: number;
  /** The paced phase's offered load, in messages per second over all connections. */
  pacedRate: number;
  pacedSeconds: number;
  /** The saturated phase: messages per connection, and how many each keeps in flight. */
  messagesPerConnection: number;
  pipeline: number;
  payloadBytes: number;
}

/**
 * C connections echoing. CPU per message and latency are measured at a fixed offered load below
 * saturation, so that every implementation does the same work per second (a saturated server batches
 * differently the slower it is, which hides costs); throughput is measured saturated, pipelined.
 */
export async function echo(server: BenchServer, implementation: Implementation, sizes: EchoSizes) {
  const sockets = await openMany(`${server.wsUrl}/${implementation}/echo/bench`, sizes.connections);
  const payload = "x".repeat(sizes.payloadBytes);
  await Promise.all(sockets.map((socket) => pipelined(socket, payload, 5, 1)));

  const latencies: number[] = [];
  const pacedMessages = Math.round(sizes.pacedRate * sizes.pacedSeconds);
  const cpuBefore = server.cpuNanoseconds();
  await paced(sockets, payload, sizes.pacedRate, pacedMessages, latencies);
  const cpu = server.cpuNanoseconds() - cpuBefore;

  const started = performance.now();
  await Promise.all(sockets.map((socket) => pipelined(socket, payload, sizes.messagesPerConnection, sizes.pipeline)));
  const seconds = (performance.now() - started) / 1000;
  await closeAll(sockets);

  return {
    messages: pacedMessages,
    cpuMicrosPerMessage: cpu / pacedMessages / 1000,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    messagesPerSecond: (sizes.connections * sizes.messagesPerConnection) / seconds,
  };
}

/** Sends `total` messages round-robin at `rate` per second; resolves when every echo is back and correct. */
function paced(
  sockets: readonly WebSocket[],
  payload: string,
  rate: number,
  total: number,
  latencies: number[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sentAt = sockets.map((): number[] => []);
    let sent = 0;
    let received = 0;
    sockets.forEach((socket, index) => {
      socket.on("message", function onMessage(data: WebSocket.RawData) {
        latencies.push(performance.now() - (sentAt[index]?.shift() as number));
        if (data.toString() !== payload) reject(new Error("An echo did not match what was sent"));
        received += 1;
        if (received === total) {
          for (const each of sockets) each.removeAllListeners("message");
          resolve();
        }
      });
    });
    const started = performance.now();
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < due; sent++) {
        const index = sent % sockets.length;
        sentAt[index]?.push(performance.now());
        sockets[index]?.send(payload);
      }
      if (sent === total) clearInterval(timer);
    }, 1);
  });
}

/** Sends `count` messages with `pipeline` in flight; resolves when every echo is back and correct. */
function pipelined(socket: WebSocket, payload: string, count: number, pipeline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    const onMessage = (data: WebSocket.RawData): void => {
      received += 1;
      if (data.toString() !== payload) {
        socket.off("message", onMessage);
        reject(new Error("An echo did not match what was sent"));
        return;
      }
      if (sent < count) send();
      if (received === count) {
        socket.off("message", onMessage);
        resolve();
      }
    };
    const send = (): void => {
      sent += 1;
      socket.send(payload);
    };
    socket.on("message", onMessage);
    for (let i = 0; i < Math.min(pipeline, count); i++) send();
  });
}
