import type WebSocket from "ws";
import { closeAll, openMany, sleep } from "../clients.ts";
import { objectCounts } from "../control.ts";
import type { BenchServer } from "../server.ts";
import { sessionClientModule } from "../session-client-module.ts";
import type { HeartbeatRoute } from "../worker/heartbeat-timings.ts";
import { HEARTBEAT_ROUTES } from "../worker/heartbeat-timings.ts";

/**
 * The rooms held idle: raw's and PartyServer's broadcast rooms (no heartbeat: their members send
 * nothing), and ours' on routes with a heartbeat, the default and the default 3 and 30 times faster,
 * whose members send the heartbeat at the route's interval.
 */
export const IDLE_HEARTBEAT_SERIES = ["raw", "party", "ours", "ours-3x", "ours-30x"] as const;
export type IdleHeartbeatSeries = (typeof IDLE_HEARTBEAT_SERIES)[number];

/** Each series' room path and its route's heartbeat (null: none). */
export const IDLE_HEARTBEAT_ROOMS: Record<IdleHeartbeatSeries, { path: string; heartbeat: HeartbeatRoute | null }> = {
  raw: { path: "raw/broadcast", heartbeat: null },
  party: { path: "party/broadcast", heartbeat: null },
  ours: { path: "ours/heartbeat", heartbeat: "heartbeat" },
  "ours-3x": { path: "ours/heartbeat-3x", heartbeat: "heartbeat-3x" },
  "ours-30x": { path: "ours/heartbeat-30x", heartbeat: "heartbeat-30x" },
};

export interface IdleHeartbeatSizes {
  members: number;
  /** The measured period, in seconds, of every room but ours at the default heartbeat. */
  seconds: number;
  /** Ours' at the default heartbeat (its wakes come a timeout, 75 s, apart). */
  defaultSeconds: number;
}

/** Before the measured period: what the connections' arrival left for workerd to do is done. */
const SETTLE_MS = 1000;
/** After it: how long the last pings' answers may take. */
const PONG_WAIT_MS = 5000;

let runs = 0;

/**
 * Sends the heartbeat on each socket every `intervalMs`, each from a random moment in its first interval; returns what
 * stops them.
 */
function beat(sockets: readonly WebSocket[], intervalMs: number, ping: string, sent: { pings: number }): () => void {
  const timers = sockets.map((socket) => {
    const send = (): void => {
      sent.pings += 1;
      socket.send(ping);
    };
    const timer: { first: NodeJS.Timeout; every?: NodeJS.Timeout } = {
      first: setTimeout(() => {
        send();
        timer.every = setInterval(send, intervalMs);
      }, Math.random() * intervalMs),
    };
    return timer;
  });
  return () => {
    for (const { first, every } of timers) {
      clearTimeout(first);
      clearInterval(every);
    }
  };
}

/**
 * N members in one room, idle for a measured period: ours' send the heartbeat the route asks for (a
 * plain client's `{"t":"ping"}`), which the runtime answers without the room object; raw's and
 * PartyServer's send nothing. Measured over the period: workerd's CPU, and the room object's
 * constructions (an eviction and a wake) and alarm runs, read from the bench Worker without waking
 * it. Every ping must be answered (`{"t":"pong"}`), and nothing else may arrive or close a member.
 */
export async function idleHeartbeat(server: BenchServer, series: IdleHeartbeatSeries, sizes: IdleHeartbeatSizes) {
  const { path, heartbeat } = IDLE_HEARTBEAT_ROOMS[series];
  const period = heartbeat !== null && HEARTBEAT_ROUTES[heartbeat].speedUp === 1 ? sizes.defaultSeconds : sizes.seconds;
  // No room's name is part of another's: the counts are looked up by name.
  const room = `beat-${++runs}-${series}-room`;
  const sockets = await openMany(`${server.wsUrl}/${path}/${room}`, sizes.members);
  const { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE } = await sessionClientModule();
  const sent = { pings: 0 };
  let pongs = 0;
  const faults: string[] = [];
  let closing = false;
  for (const socket of sockets) {
    socket.on("message", (data: WebSocket.RawData) => {
      if (data.toString() === HEARTBEAT_RESPONSE) pongs += 1;
      else faults.push(`received ${data.toString().slice(0, 40)}`);
    });
    socket.on("close", (code: number) => closing || faults.push(`closed with ${code}`));
  }
  const stop =
    heartbeat === null ? () => {} : beat(sockets, HEARTBEAT_ROUTES[heartbeat].intervalMs, HEARTBEAT_REQUEST, sent);
  try {
    await sleep(SETTLE_MS);
    const countsBefore = await objectCounts(server, room);
    const [pingsBefore, cpuBefore, started] = [sent.pings, server.cpuNanoseconds(), performance.now()];
    await sleep(period * 1000);
    const cpu = server.cpuNanoseconds() - cpuBefore;
    const hours = (performance.now() - started) / 3_600_000;
    const pingsInPeriod = sent.pings - pingsBefore;
    const countsAfter = await objectCounts(server, room);
    stop();

    const deadline = performance.now() + PONG_WAIT_MS;
    while (pongs < sent.pings && performance.now() < deadline) await sleep(10);
    if (pongs !== sent.pings) throw new Error(`idle-heartbeat ${series}: ${pongs} answers to ${sent.pings} pings`);
    if (faults.length > 0)
      throw new Error(`idle-heartbeat ${series}: ${faults.length} faults, the first: ${faults[0]}`);

    const constructions = countsAfter.constructions - countsBefore.constructions;
    const alarmRuns = countsAfter.alarmRuns - countsBefore.alarmRuns;
    return {
      members: sizes.members,
      seconds: hours * 3600,
      // Over the whole run, the settling and the wait for the last answers included: equal.
      pings: sent.pings,
      pongs,
      pingsPerMemberHour: pingsInPeriod / sizes.members / hours,
      cpuMillis: cpu / 1e6,
      cpuMillisPerMemberHour: cpu / 1e6 / sizes.members / hours,
      constructions,
      alarmRuns,
      constructionsPerHour: constructions / hours,
      alarmRunsPerHour: alarmRuns / hours,
    };
  } finally {
    stop();
    closing = true;
    await closeAll(sockets);
  }
}
