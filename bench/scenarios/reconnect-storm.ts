import { sleep } from "../clients.ts";
import { control } from "../control.ts";
import type { BenchServer } from "../server.ts";
import type { BenchSessionClient } from "../session-clients.ts";
import { closeSessionClients, openSessionClients } from "../session-clients.ts";
import { quantile } from "../stats.ts";

export interface ReconnectStormSizes {
  /** Session clients in the room. */
  clients: number;
  /** Broadcasts made while the clients are away (after the close, before any can be back). */
  broadcasts: number;
  /**
   * The clients' first reconnect wait, ms (the session client's default is 500); each waits a random 50–100% of it.
   */
  firstBackoffMs: number;
  /** Give up waiting for the clients to catch up after this long. */
  timeoutMs: number;
}

/** One client's storm, as it saw it. */
interface Watch {
  /** When it started reconnecting (its first attempt after the close), and when it had everything. */
  reconnectingAt: number | null;
  caughtUpAt: number | null;
  recovered: boolean;
  resets: number;
  received: Set<number>;
  duplicates: number;
  replayed: number;
}

let storms = 0;

/**
 * A simulated deploy: N session clients in one room of ours (a route with sessions, the room keeping
 * history), then the server closes every socket at once with 1012 and broadcasts K messages into the
 * room while they are away. Measured from the close until every client has resumed its session and
 * received each of the K messages (once: a repeat is counted as a duplicate, a reset or a new
 * session as lost), and workerd's CPU over that window per resumed client.
 */
export async function reconnectStorm(server: BenchServer, sizes: ReconnectStormSizes) {
  const room = `storm-${++storms}`;
  const clients = await openSessionClients(`${server.wsUrl}/ours/session/${room}`, sizes.clients, {
    firstMs: sizes.firstBackoffMs,
  });
  try {
    await warmUp(server, room, clients);
    const tag = `storm${storms}`;
    const watches = clients.map((client) => watch(client, tag, sizes.broadcasts));

    const cpuBefore = server.cpuNanoseconds();
    const started = performance.now();
    const closed = await control<number>(server, "POST", `deploy/${room}`);
    if (closed !== sizes.clients) throw new Error(`The deploy closed ${closed} of ${sizes.clients} sockets`);
    const reachedLive = await control<number>(server, "POST", `broadcast/${room}?count=${sizes.broadcasts}&tag=${tag}`);
    const broadcastMs = performance.now() - started;
    const closeCpu = server.cpuNanoseconds() - cpuBefore;

    const deadline = started + sizes.timeoutMs;
    while (watches.some((w) => w.caughtUpAt === null) && performance.now() < deadline) await sleep(2);
    const finished = performance.now();
    const cpu = server.cpuNanoseconds() - cpuBefore;

    const caughtUp = watches.filter((w) => w.caughtUpAt !== null);
    const resumeMs = caughtUp.map((w) => (w.caughtUpAt as number) - (w.reconnectingAt ?? started));
    return {
      clients: sizes.clients,
      catchUpMs:
        (caughtUp.length === sizes.clients ? Math.max(...caughtUp.map((w) => w.caughtUpAt as number)) : finished) -
        started,
      cpuMicrosPerClient: cpu / sizes.clients / 1000,
      /** The part until the deploy and broadcast endpoints had answered (the closes and the logging, mostly). */
      closeCpuMicrosPerClient: closeCpu / sizes.clients / 1000,
      resumeP50Ms: quantile(resumeMs, 0.5),
      resumeP99Ms: quantile(resumeMs, 0.99),
      closeAndBroadcastMs: broadcastMs,
      reachedLive,
      replayed: watches.reduce((sum, w) => sum + w.replayed, 0),
      notCaughtUp: sizes.clients - caughtUp.length,
      missing: watches.reduce((sum, w) => sum + (sizes.broadcasts - w.received.size), 0),
      duplicates: watches.reduce((sum, w) => sum + w.duplicates, 0),
      lostSessions: watches.filter((w) => !w.recovered || w.resets > 0).length,
    };
  } finally {
    await closeSessionClients(clients);
  }
}

/** Follows one client from the close on: its reconnect, its welcome, the storm's messages it receives. */
function watch({ client }: BenchSessionClient, tag: string, expected: number): Watch {
  const w: Watch = {
    reconnectingAt: null,
    caughtUpAt: null,
    recovered: false,
    resets: 0,
    received: new Set(),
    duplicates: 0,
    replayed: 0,
  };
  const done = (): void => {
    if (w.caughtUpAt === null && w.recovered && w.received.size === expected) w.caughtUpAt = performance.now();
  };
  client.on("state", (state) => {
    if (state.state === "connecting" && w.reconnectingAt === null) w.reconnectingAt = performance.now();
  });
  client.on("welcome", (welcome) => {
    w.recovered = welcome.recovered;
    done();
  });
  client.on("reset", () => void (w.resets += 1));
  client.on("message", ({ data, replayed }) => {
    const text = String(data);
    if (!text.startsWith(`${tag}|`)) return;
    const index = Number(text.slice(tag.length + 1));
    if (w.received.has(index)) w.duplicates += 1;
    w.received.add(index);
    if (replayed) w.replayed += 1;
    done();
  });
  return w;
}

/**
 * Broadcasts until every client has received one, so that all are members with a place in the log;
 * then waits until every client has acknowledged it (after up to a second, the client's default), as
 * a client connected for a while has. Closing sockets whose client has sent nothing yet is another
 * case: locally workerd then holds each socket, its close frames exchanged, for about 10 s before it
 * ends the TCP connection, which the clients wait for before they reconnect.
 */
async function warmUp(server: BenchServer, room: string, clients: readonly BenchSessionClient[]): Promise<void> {
  const reached = new Set<BenchSessionClient>();
  const stops = clients.map((each) => each.client.on("message", () => void reached.add(each)));
  for (let attempt = 0; reached.size < clients.length; attempt++) {
    if (attempt === 50) throw new Error(`Only ${reached.size} of ${clients.length} session clients joined`);
    await control(server, "POST", `broadcast/${room}?tag=warm-up`);
    await sleep(100);
  }
  for (let waited = 0; clients.some(({ sent }) => sent.acknowledgements === 0); waited += 20) {
    if (waited >= 5000) throw new Error("Not every session client acknowledged the warm-up within 5 s");
    await sleep(20);
  }
  await sleep(200);
  for (const stop of stops) stop();
}
