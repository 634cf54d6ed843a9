import type { Implementation } from "../clients.ts";
import { open } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import { quantile } from "../stats.ts";

export interface ChurnSizes {
  connections: number;
  concurrency: number;
}

/** Connect, accept, one message and its echo, close: as many as possible, `concurrency` at a time. */
export async function churn(server: BenchServer, implementation: Implementation, sizes: ChurnSizes) {
  const url = `${server.wsUrl}/${implementation}/echo/churn`;
  await lifetime(url);
  const durations: number[] = [];
  let remaining = sizes.connections;
  const cpuBefore = server.cpuNanoseconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sizes.concurrency }, async () => {
      while (remaining > 0) {
        remaining -= 1;
        durations.push(await lifetime(url));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = server.cpuNanoseconds() - cpuBefore;
  return {
    connections: sizes.connections,
    connectionsPerSecond: sizes.connections / seconds,
    p99Ms: quantile(durations, 0.99),
    cpuMicrosPerConnection: cpu / sizes.connections / 1000,
  };
}

/** One connection's whole life; resolves with its duration in ms once the close handshake is done. */
async function lifetime(url: string): Promise<number> {
  const started = performance.now();
  const socket = await open(url);
  await new Promise<void>((resolve, reject) => {
    socket.once("message", (data) => (data.toString() === "ping" ? resolve() : reject(new Error("Bad echo"))));
    socket.send("ping");
  });
  await new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.close(1000);
  });
  return performance.now() - started;
}
