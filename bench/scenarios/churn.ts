import type { Implementation } from "../clients.ts";
import { open } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import { quantile } from "../stats.ts";

export interface ChurnSizes {
  /** The paced phase: connections started per second, and for how long. */
  pacedRate: number;
  pacedSeconds: number;
  /** The saturated phase: connections in all, `concurrency` at a time. */
  connections: number;
  concurrency: number;
}

/**
 * Connect, accept, one message and its echo, close. CPU per connection and connection time at a
 * fixed rate below saturation (like echo's paced phase); connections per second saturated.
 */
export async function churn(server: BenchServer, implementation: Implementation, sizes: ChurnSizes) {
  const url = `${server.wsUrl}/${implementation}/echo/churn`;
  await lifetime(url);

  const pacedConnections = Math.round(sizes.pacedRate * sizes.pacedSeconds);
  const cpuBefore = server.cpuNanoseconds();
  const durations = await paced(url, sizes.pacedRate, pacedConnections);
  const cpu = server.cpuNanoseconds() - cpuBefore;

  let remaining = sizes.connections;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sizes.concurrency }, async () => {
      while (remaining > 0) {
        remaining -= 1;
        await lifetime(url);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    connections: pacedConnections,
    cpuMicrosPerConnection: cpu / pacedConnections / 1000,
    p99Ms: quantile(durations, 0.99),
    connectionsPerSecond: sizes.connections / seconds,
  };
}

/** Starts `total` connection lifetimes at `rate` per second; resolves with their durations once all are over. */
function paced(url: string, rate: number, total: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const lives: Promise<number>[] = [];
    const started = performance.now();
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (lives.length < due) lives.push(lifetime(url));
      if (lives.length === total) {
        clearInterval(timer);
        Promise.all(lives).then(resolve, reject);
      }
    }, 1);
  });
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
