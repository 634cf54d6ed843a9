import type WebSocket from "ws";
import type { Implementation } from "../clients.ts";
import { closeAll, openMany } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import { quantile } from "../stats.ts";

export interface EchoSizes {
  connections: number;
  messagesPerConnection: number;
  /** Messages each connection keeps in flight. */
  pipeline: number;
  payloadBytes: number;
}

/** C connections, each sending its messages pipelined and waiting for every echo. */
export async function echo(server: BenchServer, implementation: Implementation, sizes: EchoSizes) {
  const sockets = await openMany(`${server.wsUrl}/${implementation}/echo/bench`, sizes.connections);
  const payload = "x".repeat(sizes.payloadBytes);
  await Promise.all(sockets.map((socket) => exchange(socket, payload, 5, 1, [])));

  const latencies: number[] = [];
  const cpuBefore = server.cpuNanoseconds();
  const started = performance.now();
  await Promise.all(sockets.map((socket) => exchange(socket, payload, sizes.messagesPerConnection, sizes.pipeline, latencies)));
  const seconds = (performance.now() - started) / 1000;
  const cpu = server.cpuNanoseconds() - cpuBefore;
  await closeAll(sockets);

  const messages = sizes.connections * sizes.messagesPerConnection;
  return {
    messages,
    messagesPerSecond: messages / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    cpuMicrosPerMessage: cpu / messages / 1000,
  };
}

/** Sends `count` messages with `pipeline` in flight; resolves when every echo is back and correct. */
function exchange(socket: WebSocket, payload: string, count: number, pipeline: number, latencies: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const sentAt: number[] = [];
    let received = 0;
    const send = (): void => {
      sentAt.push(performance.now());
      socket.send(payload);
    };
    const onMessage = (data: WebSocket.RawData): void => {
      latencies.push(performance.now() - (sentAt[received] as number));
      received += 1;
      if (data.toString() !== payload) {
        socket.off("message", onMessage);
        reject(new Error("An echo did not match what was sent"));
        return;
      }
      if (sentAt.length < count) send();
      if (received === count) {
        socket.off("message", onMessage);
        resolve();
      }
    };
    socket.on("message", onMessage);
    for (let i = 0; i < Math.min(pipeline, count); i++) send();
  });
}
