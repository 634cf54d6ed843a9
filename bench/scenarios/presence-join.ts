import type WebSocket from "ws";
import { closeAll, openMany, sleep, within } from "../clients.ts";
import type { BenchServer } from "../server.ts";
import type { BenchSessionClient } from "../session-clients.ts";
import { closeSessionClients, openSessionClients } from "../session-clients.ts";
import { quantile } from "../stats.ts";

/**
 * How each room tells its members of a join: raw's, ours' and PartyServer's send a plain `joined|…`
 * text to every other plain client (`/{impl}/joined/:room`); ours also to session clients
 * (`ours-sessions`, `/ours/joined-session/:room`), and, in a room with presence, with no message of
 * the handler's, the presence diff the library sends its session clients (`ours-presence`).
 */
export const PRESENCE_JOIN_SERIES = ["raw", "ours", "party", "ours-sessions", "ours-presence"] as const;
export type PresenceJoinSeries = (typeof PRESENCE_JOIN_SERIES)[number];

const PATHS: Record<PresenceJoinSeries, string> = {
  raw: "raw/joined",
  ours: "ours/joined",
  party: "party/joined",
  "ours-sessions": "ours/joined-session",
  "ours-presence": "ours/presence",
};

export interface PresenceJoinSizes {
  /** Members in the room before the joins. */
  members: number;
  /** Joins measured, one at a time. */
  joins: number;
  /** Pause after each join has reached every member, before the next. */
  gapMs: number;
  /** Give up on a join not told to every member after this long. */
  timeoutMs: number;
}

/** How a client hears of joins: calls `listener` on each join it is told of; returns the function that stops it. */
type OnJoin = (listener: () => void) => () => void;

function plainOnJoin(socket: WebSocket): OnJoin {
  return (listener) => {
    const onMessage = (data: WebSocket.RawData): void => {
      if (data.toString().startsWith("joined|")) listener();
    };
    socket.on("message", onMessage);
    return () => socket.off("message", onMessage);
  };
}

function sessionOnJoin({ client }: BenchSessionClient, presence: boolean): OnJoin {
  return presence
    ? (listener) => client.on("presence", ({ whole, joined }) => !whole && joined.length > 0 && listener())
    : (listener) => client.on("message", ({ data }) => String(data).startsWith("joined|") && listener());
}

/**
 * Opens `count` clients of the series' kind (plain or session clients); how each hears of a join, and how to close
 * them all.
 */
async function openClients(
  url: string,
  series: PresenceJoinSeries,
  count: number,
): Promise<{ onJoin: OnJoin[]; close(): Promise<void> }> {
  if (series === "ours-sessions" || series === "ours-presence") {
    const clients = await openSessionClients(url, count);
    return {
      onJoin: clients.map((client) => sessionOnJoin(client, series === "ours-presence")),
      close: () => closeSessionClients(clients),
    };
  }
  const sockets = await openMany(url, count);
  return { onJoin: sockets.map(plainOnJoin), close: () => closeAll(sockets) };
}

/** How long without a join told counts as silence. */
const SILENCE_MS = 500;

/** Resolves once no member has been told of a join for SILENCE_MS (within `timeoutMs`). */
async function silence(onJoin: readonly OnJoin[], timeoutMs: number): Promise<void> {
  let toldAt = performance.now();
  const stops = onJoin.map((listen) => listen(() => void (toldAt = performance.now())));
  const deadline = performance.now() + timeoutMs;
  try {
    while (performance.now() - toldAt < SILENCE_MS) {
      if (performance.now() > deadline)
        throw new Error(`presence-join: the room's members were still told of joins after ${timeoutMs} ms`);
      await sleep(50);
    }
  } finally {
    for (const stop of stops) stop();
  }
}

let rooms = 0;

/**
 * A room of N members, then joins one at a time, each joiner staying: from the moment a joiner starts
 * to connect until the last of the N members has been told of it, workerd's CPU and the time. The
 * window holds the joiner's whole arrival (upgrade, accept, for session clients the welcome, and in the
 * presence room the room's presence whole sent to the joiner), the same in every series but the one
 * difference, how the others are told. One join before the measured ones makes sure every member is in.
 */
export async function presenceJoin(server: BenchServer, series: PresenceJoinSeries, sizes: PresenceJoinSizes) {
  const url = `${server.wsUrl}/${PATHS[series]}/presence-join-${++rooms}`;
  // Members opened `?quiet` are not announced by the handlers (N²/2 messages to set up a room); the
  // presence room tells its members of each other all the same, so the room is let fall silent first.
  const members = await openClients(`${url}?quiet`, series, sizes.members);
  const joiners: Promise<{ close(): Promise<void> }>[] = [];

  /** One join; resolves with its CPU and times once every member has been told. */
  const join = async () => {
    const told = new Set<number>();
    let twice = 0;
    let firstAt = 0;
    let lastAt = 0;
    let reachedAll = (): void => {};
    const reached = new Promise<void>((resolve) => void (reachedAll = resolve));
    const stops = members.onJoin.map((onJoin, member) =>
      onJoin(() => {
        if (told.has(member)) twice += 1;
        told.add(member);
        if (told.size === 1) firstAt = performance.now();
        if (told.size === sizes.members && lastAt === 0) {
          lastAt = performance.now();
          reachedAll();
        }
      }),
    );
    const cpuBefore = server.cpuNanoseconds();
    const started = performance.now();
    const joining = openClients(url, series, 1);
    joiners.push(joining);
    const inTime = await within(reached, sizes.timeoutMs);
    const cpu = server.cpuNanoseconds() - cpuBefore;
    await joining;
    await sleep(sizes.gapMs);
    for (const stop of stops) stop();
    if (!inTime)
      throw new Error(
        `presence-join ${series}: a join was told to ${told.size} of ${sizes.members} members in ${sizes.timeoutMs} ms`,
      );
    if (twice > 0) throw new Error(`presence-join ${series}: ${twice} members were told of one join twice`);
    return { cpuNanoseconds: cpu, firstMs: firstAt - started, lastMs: lastAt - started };
  };

  try {
    await silence(members.onJoin, sizes.timeoutMs);
    await join();
    const measured = [];
    for (let i = 0; i < sizes.joins; i++) measured.push(await join());
    const lastMs = measured.map((m) => m.lastMs);
    return {
      members: sizes.members,
      joins: sizes.joins,
      cpuMicrosPerJoin: measured.reduce((sum, m) => sum + m.cpuNanoseconds, 0) / sizes.joins / 1000,
      firstP50Ms: quantile(
        measured.map((m) => m.firstMs),
        0.5,
      ),
      lastP50Ms: quantile(lastMs, 0.5),
      lastP99Ms: quantile(lastMs, 0.99),
    };
  } finally {
    const opened = await Promise.allSettled(joiners);
    await Promise.all([
      members.close(),
      ...opened.flatMap((joiner) => (joiner.status === "fulfilled" ? [joiner.value.close()] : [])),
    ]);
  }
}
