import type WebSocket from "ws";
import type { Implementation } from "../clients.ts";
import { closeAll, open, openMany, sleep } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import { acknowledgementsSent, closeSessionClients, openSessionClients } from "../session-clients.ts";
import { quantile } from "../stats.ts";

export interface BroadcastSizes {
  /** Receivers in the room, besides the sender. */
  members: number;
  messages: number;
  /** Broadcasts in flight before the sender waits for deliveries. */
  window: number;
  payloadBytes: number;
}

/**
 * Which room: `plain` (every implementation's broadcast room), or, for ours only, the same room with
 * history on (`history`: plain members, each broadcast appended to the room's log first) or on a
 * route with sessions whose members are session clients (`sessions`: history on, each delivery in
 * the session envelope, members acknowledging what they receive).
 */
export type BroadcastVariant = "plain" | "history" | "sessions";

/** A member as the scenario sees it: the texts it receives. */
export interface Receiver {
  /** Calls `listener` with each text received; returns the function that stops it. */
  onText(listener: (text: string) => void): () => void;
}

function plainReceiver(socket: WebSocket): Receiver {
  return {
    onText(listener) {
      const onMessage = (data: WebSocket.RawData): void => listener(data.toString());
      socket.on("message", onMessage);
      return () => socket.off("message", onMessage);
    },
  };
}

/**
 * Opens the members of the variant's room `room`; returns the room's URL, the members as receivers, how
 * many acknowledgements they have sent (session clients), and how to close them all.
 */
export async function openMembers(
  server: BenchServer,
  implementation: Implementation,
  variant: BroadcastVariant,
  count: number,
  room = "bench",
) {
  if (variant !== "plain" && implementation !== "ours") throw new Error(`Only ours has the ${variant} broadcast room`);
  if (variant === "sessions") {
    const url = `${server.wsUrl}/ours/session/${room}`;
    const clients = await openSessionClients(url, count);
    const receivers = clients.map(({ client }): Receiver => ({
      onText: (listener) => client.on("message", ({ data }) => listener(String(data))),
    }));
    return {
      url,
      receivers,
      acknowledgements: () => acknowledgementsSent(clients),
      close: () => closeSessionClients(clients),
    };
  }
  const url = `${server.wsUrl}/${implementation}/${variant === "history" ? "broadcast-history" : "broadcast"}/${room}`;
  const sockets = await openMany(url, count);
  return { url, receivers: sockets.map(plainReceiver), acknowledgements: () => 0, close: () => closeAll(sockets) };
}

/** One sender (a plain client), N members: every message goes to all but the sender. */
export async function broadcast(
  server: BenchServer,
  implementation: Implementation,
  sizes: BroadcastSizes,
  variant: BroadcastVariant = "plain",
) {
  const { url, receivers, acknowledgements, close } = await openMembers(server, implementation, variant, sizes.members);
  const sender = await open(url);
  await warmUp(sender, receivers);

  const padding = "x".repeat(Math.max(0, sizes.payloadBytes - 8));
  const sentAt: number[] = [];
  const deliveries = new Array<number>(sizes.messages).fill(0);
  const latencies: number[] = [];
  let completed = 0;
  const stops: (() => void)[] = [];
  const cpuBefore = server.cpuNanoseconds();
  const acknowledgementsBefore = acknowledgements();
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const send = (): void => {
      sentAt.push(performance.now());
      sender.send(`${sentAt.length - 1}|${padding}`);
    };
    const onText = (text: string): void => {
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
    for (const receiver of receivers) stops.push(receiver.onText(onText));
    sender.on("message", () => reject(new Error("The sender received its own broadcast")));
    for (let i = 0; i < Math.min(sizes.window, sizes.messages); i++) send();
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = server.cpuNanoseconds() - cpuBefore;
  const acknowledged = acknowledgements() - acknowledgementsBefore;
  for (const stop of stops) stop();
  await closeAll([sender]);
  await close();

  const delivered = sizes.messages * sizes.members;
  return {
    deliveries: delivered,
    deliveriesPerSecond: delivered / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    cpuMicrosPerMessage: cpu / delivered / 1000,
    ...(variant === "sessions" ? { acknowledgementsPerDelivery: acknowledged / delivered } : {}),
  };
}

/** Broadcasts until every member has received one, so that membership is complete before measuring. */
export async function warmUp(sender: WebSocket, receivers: readonly Receiver[]): Promise<void> {
  const reached = new Set<Receiver>();
  const stops = receivers.map((receiver) => receiver.onText(() => void reached.add(receiver)));
  for (let attempt = 0; reached.size < receivers.length; attempt++) {
    if (attempt === 50) throw new Error(`Only ${reached.size} of ${receivers.length} members joined`);
    sender.send("warm-up|");
    await sleep(100);
  }
  await sleep(100);
  for (const stop of stops) stop();
}
