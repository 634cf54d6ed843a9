import type WebSocket from "ws";
import { closeAll, open, openMany, sleep, within } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import { quantile } from "../stats.ts";

/**
 * Where ours' broadcast room puts its members: in one room object (`/ours/broadcast/:room`), or
 * spread over shards of at most 1,000 or 100 connections (`/ours/broadcast-sharded/:room`,
 * `/ours/broadcast-sharded-100/:room`), the handler being the same.
 */
export const SHARD_VARIANTS = ["one-object", "shards-1000", "shards-100"] as const;
export type ShardVariant = (typeof SHARD_VARIANTS)[number];

const ROUTES: Record<ShardVariant, { route: string; cap: number | null }> = {
  "one-object": { route: "broadcast", cap: null },
  "shards-1000": { route: "broadcast-sharded", cap: 1000 },
  "shards-100": { route: "broadcast-sharded-100", cap: 100 },
};

export interface FanOutSizes {
  /** Receivers in the room, besides the sender. */
  members: number;
  broadcasts: number;
  /** The pause after a broadcast has reached every member, before the next is sent. */
  gapMs: number;
  payloadBytes: number;
  /** Give up on a broadcast that has not reached every member after this long. */
  timeoutMs: number;
}

/** The crowd, then a small room (in one shard when sharded) whose times are mostly the hops. */
export interface ShardSizes extends FanOutSizes {
  hop: { members: number; broadcasts: number; gapMs: number };
}

/**
 * Both rooms of the scenario, in the variant's route: the crowd's figures, then the small room's as
 * `hop…` (its CPU per broadcast, and the time from a send to its last delivery).
 */
export async function shards(server: BenchServer, variant: ShardVariant, sizes: ShardSizes) {
  const crowd = await shardFanOut(server, variant, sizes);
  const small = await shardFanOut(server, variant, { ...sizes, ...sizes.hop });
  return {
    ...crowd,
    hopMembers: small.members,
    hopCpuMicrosPerBroadcast: small.cpuMillisPerBroadcast * 1000,
    hopP50Ms: small.lastP50Ms,
    hopP99Ms: small.lastP99Ms,
  };
}

/** Called around the measured window (the profiler samples only the broadcasts). */
export interface MeasuredWindow {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

let rooms = 0;

/**
 * One sender, then N members, in a fresh room of the variant's route. The sender broadcasts K
 * messages one at a time: each is sent once the one before has reached every member and `gapMs`
 * has passed, so that none queues behind another. Measured: workerd's CPU from the first send to the
 * last delivery, per delivery; and per broadcast the time from its send to its first and to its last
 * delivery (every member's), which holds the hops through the sequencer for a sharded room.
 */
export async function shardFanOut(
  server: BenchServer,
  variant: ShardVariant,
  sizes: FanOutSizes,
  window?: MeasuredWindow,
) {
  const { route, cap } = ROUTES[variant];
  const room = `fan-out-${++rooms}`;
  const url = `${server.wsUrl}/ours/${route}/${room}`;
  // The sender first: in a sharded room it is in the first shard, with members beside it.
  const sender = await open(url);
  const members = await openMany(url, sizes.members);
  try {
    const shards = cap === null ? 1 : await shardCount(server, route, room);
    const expected = cap === null ? 1 : Math.ceil((sizes.members + 1) / cap);
    if (shards !== expected)
      throw new Error(`${variant}: ${sizes.members + 1} connections in ${shards} shards, expected ${expected}`);
    await warmUp(sender, members);

    const padding = "x".repeat(Math.max(0, sizes.payloadBytes - 10));
    const sentAt: number[] = [];
    const firstAt: number[] = [];
    const lastAt: number[] = [];
    const counts = new Array<number>(sizes.broadcasts).fill(0);
    let waiting: { seq: number; resolve: () => void } | null = null;
    let failure: Error | null = null;
    const onMessage = (data: WebSocket.RawData): void => {
      const text = data.toString();
      if (!text.startsWith("m|")) return; // a late warm-up
      const seq = Number(text.slice(2, text.indexOf("|", 2)));
      const count = (counts[seq] ?? Number.NaN) + 1;
      if (!(count <= sizes.members)) {
        failure ??= new Error(`${variant}: broadcast ${seq} delivered ${count} times to ${sizes.members} members`);
        return;
      }
      counts[seq] = count;
      if (count === 1) firstAt[seq] = performance.now();
      if (count === sizes.members) {
        lastAt[seq] = performance.now();
        if (waiting?.seq === seq) waiting.resolve();
      }
    };
    for (const member of members) member.on("message", onMessage);
    sender.on("message", () => void (failure ??= new Error(`${variant}: the sender received its own broadcast`)));

    await window?.start();
    const cpuBefore = server.cpuNanoseconds();
    for (let seq = 0; seq < sizes.broadcasts; seq++) {
      if (seq > 0) await sleep(sizes.gapMs);
      const reached = new Promise<void>((resolve) => void (waiting = { seq, resolve }));
      sentAt[seq] = performance.now();
      sender.send(`m|${seq}|${padding}`);
      if (!(await within(reached, sizes.timeoutMs)))
        throw new Error(
          `${variant}: broadcast ${seq} reached ${counts[seq]} of ${sizes.members} members in ${sizes.timeoutMs} ms`,
        );
    }
    const cpu = server.cpuNanoseconds() - cpuBefore;
    await window?.stop();
    if (failure !== null) throw failure;

    const delivered = sizes.broadcasts * sizes.members;
    const toFirst = sentAt.map((at, seq) => (firstAt[seq] as number) - at);
    const toLast = sentAt.map((at, seq) => (lastAt[seq] as number) - at);
    return {
      members: sizes.members,
      shards,
      deliveries: delivered,
      cpuMicrosPerDelivery: cpu / delivered / 1000,
      cpuMillisPerBroadcast: cpu / sizes.broadcasts / 1e6,
      firstP50Ms: quantile(toFirst, 0.5),
      firstP99Ms: quantile(toFirst, 0.99),
      lastP50Ms: quantile(toLast, 0.5),
      lastP99Ms: quantile(toLast, 0.99),
    };
  } finally {
    await closeAll([sender, ...members]);
  }
}

/**
 * Broadcasts until every member has received one, one at a time, so that membership is complete and
 * every object awake before measuring; then waits for stragglers.
 */
async function warmUp(sender: WebSocket, members: readonly WebSocket[]): Promise<void> {
  const reached = new Set<WebSocket>();
  const listeners = members.map((member) => {
    const listener = (): void => void reached.add(member);
    member.on("message", listener);
    return () => member.off("message", listener);
  });
  for (let attempt = 0; reached.size < members.length; attempt++) {
    if (attempt === 10) throw new Error(`Only ${reached.size} of ${members.length} members joined`);
    sender.send(`w|${attempt}`);
    for (let waited = 0; waited < 3000 && reached.size < members.length; waited += 20) await sleep(20);
  }
  await sleep(500);
  for (const stop of listeners) stop();
}

async function shardCount(server: BenchServer, route: string, room: string): Promise<number> {
  const response = await fetch(`${server.url}/shards/${route}/${room}`);
  if (!response.ok) throw new Error(`/shards/${route}/${room}: ${response.status} ${await response.text()}`);
  return (await response.json()) as number;
}
