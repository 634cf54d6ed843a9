import type WebSocket from "ws";
import type { Implementation } from "../clients.ts";
import { closeAll, open, openMany, sleep } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import { quantile } from "../stats.ts";

export interface BroadcastSizes {
  /** Receivers in the room, besides the sender. */
  members: number;
  messages: number;
  /** Broadcasts in flight before the sender waits for deliveries. */
  window: number;
  payloadBytes: number;
}

/** One sender, N members: every message goes to all but the sender. */
export async function broadcast(server: BenchServer, implementation: Implementation, sizes: BroadcastSizes) {
  const url = `${server.wsUrl}/${implementation}/broadcast/bench`;
  const members = await openMany(url, sizes.members);
  const sender = await open(url);
  await warmUp(sender, members);

  const padding = "x".repeat(Math.max(0, sizes.payloadBytes - 8));
  const sentAt: number[] = [];
  const deliveries = new Array<number>(sizes.messages).fill(0);
  const latencies: number[] = [];
  let completed = 0;
  const cpuBefore = server.cpuNanoseconds();
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const send = (): void => {
      sentAt.push(performance.now());
      sender.send(`${sentAt.length - 1}|${padding}`);
    };
    const onMessage = (data: WebSocket.RawData): void => {
      const text = data.toString();
      const seq = Number(text.slice(0, text.indexOf("|")));
      if (!(seq >= 0 && seq < sizes.messages)) return reject(new Error(`Unexpected broadcast ${text.slice(0, 20)}`));
      latencies.push(performance.now() - (sentAt[seq] as number));
      deliveries[seq] = (deliveries[seq] as number) + 1;
      if (deliveries[seq] === sizes.members) {
        completed += 1;
        if (sentAt.length < sizes.messages) send();
        if (completed === sizes.messages) resolve();
      }
    };
    for (const member of members) member.on("message", onMessage);
    sender.on("message", () => reject(new Error("The sender received its own broadcast")));
    for (let i = 0; i < Math.min(sizes.window, sizes.messages); i++) send();
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = server.cpuNanoseconds() - cpuBefore;
  await closeAll([sender, ...members]);

  const delivered = sizes.messages * sizes.members;
  return {
    deliveries: delivered,
    deliveriesPerSecond: delivered / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    cpuMicrosPerMessage: cpu / delivered / 1000,
  };
}

/** Broadcasts until every member has received one, so that membership is complete before measuring. */
async function warmUp(sender: WebSocket, members: readonly WebSocket[]): Promise<void> {
  const reached = new Set<WebSocket>();
  const listeners = members.map((member) => {
    const listener = (): void => void reached.add(member);
    member.on("message", listener);
    return [member, listener] as const;
  });
  for (let attempt = 0; reached.size < members.length; attempt++) {
    if (attempt === 50) throw new Error(`Only ${reached.size} of ${members.length} members joined`);
    sender.send("warm-up|");
    await sleep(100);
  }
  await sleep(100);
  for (const [member, listener] of listeners) member.off("message", listener);
}
