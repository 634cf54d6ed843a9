import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Implementation } from "./clients.ts";
import { IMPLEMENTATIONS } from "./clients.ts";
import { README_PATH, renderReadme, sectionsOf, writeDocs } from "./docs-sections.ts";
import { thisMachine } from "./machine.ts";
import type { Measurement } from "./report.ts";
import { ABUSE_VARIANTS, ABUSED_ROUTE, abuse } from "./scenarios/abuse.ts";
import { QUICK_RESULTS_DIR, RESULTS_DIR, readResults, writeResults } from "./results-files.ts";
import type { BroadcastVariant } from "./scenarios/broadcast.ts";
import { broadcast } from "./scenarios/broadcast.ts";
import { bundleSize } from "./scenarios/bundle-size.ts";
import { churn } from "./scenarios/churn.ts";
import { echo } from "./scenarios/echo.ts";
import { idle } from "./scenarios/idle.ts";
import { IDLE_HEARTBEAT_SERIES, idleHeartbeat } from "./scenarios/idle-heartbeat.ts";
import { PRESENCE_JOIN_SERIES, presenceJoin } from "./scenarios/presence-join.ts";
import { reconnectStorm } from "./scenarios/reconnect-storm.ts";
import { SHARD_VARIANTS, shards } from "./scenarios/shards.ts";
import { slowEcho } from "./scenarios/slow-echo.ts";
import { slowRoom } from "./scenarios/slow-room.ts";
import { storageRows } from "./scenarios/storage-rows.ts";
import { WAKE_ROOMS, openWakeRooms } from "./scenarios/wake.ts";
import type { BenchServer } from "./server.ts";
import { buildWorker, startServer } from "./server.ts";
import { openFilesLimit } from "./process-stats.ts";
import type { ResultScenario, ScenarioRuns } from "./summaries.ts";
import { RESULT_SCENARIOS, summarizeScenario } from "./summaries.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    repetitions: { type: "string" },
    connections: { type: "string" },
    messages: { type: "string" },
    rate: { type: "string" },
    members: { type: "string" },
    broadcasts: { type: "string" },
    churn: { type: "string" },
    idle: { type: "string" },
    "slow-messages": { type: "string" },
    "slow-senders": { type: "string" },
    "slow-broadcasts": { type: "string" },
    "storm-clients": { type: "string" },
    "storm-broadcasts": { type: "string" },
    "storm-backoff": { type: "string" },
    "shard-members": { type: "string" },
    "shard-broadcasts": { type: "string" },
    "shard-gap": { type: "string" },
    "wake-members": { type: "string" },
    "heartbeat-members": { type: "string" },
    "heartbeat-seconds": { type: "string" },
    "heartbeat-default-seconds": { type: "string" },
    "presence-members": { type: "string" },
    "presence-joins": { type: "string" },
    "abuse-seconds": { type: "string" },
    scenarios: { type: "string", default: RESULT_SCENARIOS.join(",") },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  console.log(`npm run bench -- [--quick] [--repetitions R] [--connections C] [--messages M] [--members N]
                      [--broadcasts K] [--churn T] [--idle I] [--slow-messages S] [--slow-senders P]
                      [--slow-broadcasts B] [--storm-clients S] [--storm-broadcasts K] [--storm-backoff MS]
                      [--shard-members N] [--shard-broadcasts K] [--shard-gap MS] [--wake-members N]
                      [--heartbeat-members N] [--heartbeat-seconds S] [--heartbeat-default-seconds S]
                      [--presence-members N] [--presence-joins J] [--abuse-seconds S] [--scenarios LIST]
  --quick         small sizes, one repetition (a smoke run of about a minute); writes bench/quick-results/ only
  --repetitions   interleaved repetitions of every scenario (default 9)
  --connections   echo connections (default 100)      --rate        echo's paced load, messages/s (default 5000)
  --messages      messages per echo connection in the saturated (throughput) phase (default 200)
  --members       broadcast members (default 1000)    --broadcasts  broadcast messages (default 100)
                  (broadcast runs raw, ours, PartyServer, and ours with history on, plain and session clients)
  --churn         connections opened and closed in churn's saturated phase (default 500; 300/s are paced for 3 s first)
  --idle          idle connections held (default 1000)
  --slow-messages slow-reader echo: 1 MiB messages sent by a client that never reads (default 300)
  --slow-senders  slow-reader room: members that send, beside the one that never reads (default 3)
  --slow-broadcasts  slow-reader room: 64 KiB messages each sender sends (default 250)
  --storm-clients reconnect: session clients the simulated deploy closes at once (default 1000)
  --storm-broadcasts  reconnect: messages broadcast while they are away (default 20)
  --storm-backoff reconnect: the clients' first reconnect wait, ms (default 500, the session client's; jittered 50-100%)
  --shard-members shards: members of ours' broadcast room in one object vs over shards of 1,000 and of 100
                  (default 9000)
  --shard-broadcasts  shards: broadcasts, each sent once the one before has reached every member (default 50)
  --shard-gap     shards: pause between a broadcast's last delivery and the next send, ms (default 100)
                  (then a room of 10 the same way, 100 broadcasts 5 ms apart: what the hops through the sequencer add)
  --wake-members  wake: members of each room woken from hibernation (default 1000; then ours with history on and
                  session clients)
  --heartbeat-members  idle-heartbeat: idle members of each room (default 1000; ours' ping at the default heartbeat,
                  at 3× and at 30×)
  --heartbeat-seconds  idle-heartbeat: the measured period of each room but ours' at the default (default 25: a
                  multiple of 25 counts the 3× room's wakes exactly)
  --heartbeat-default-seconds  idle-heartbeat: the measured period of ours' room at the default heartbeat (default
                  150, two of its wakes)
  --presence-members   presence-join: members in the room before the joins (default 1000)
  --presence-joins     presence-join: joins measured one at a time, each told to every member (default 20)
  --abuse-seconds abuse: how long one abusive client keeps at each of its three ways (default 20): the SQLite rows and
                  bytes it makes one room object keep, peak and at the end, with the default session options
  storage (ours alone: rows written and read per operation) and bundle (an echo app's gzip bytes) take no sizes
  --scenarios     which to run, comma-separated (default ${RESULT_SCENARIOS.join(",")})
Each scenario run writes bench/results/<scenario>.json (a full run, all of them), then bench/README.md's
tables and bench/results.svg are made anew from those files (npm run bench:docs does only that).`);
  process.exit(0);
}

const size = (flag: string | undefined, full: number, quick: number): number => {
  const value = flag === undefined ? (flags.quick ? quick : full) : Number(flag);
  if (!Number.isInteger(value) || value < 1) throw new Error(`Sizes must be whole numbers >= 1, got ${flag}`);
  return value;
};

const sizes = {
  repetitions: size(flags.repetitions, 9, 1),
  echo: {
    connections: size(flags.connections, 100, 20),
    pacedRate: size(flags.rate, 5000, 2000),
    pacedSeconds: flags.quick ? 1 : 3,
    messagesPerConnection: size(flags.messages, 200, 50),
    pipeline: 10,
    payloadBytes: 64,
  },
  broadcast: {
    members: size(flags.members, 1000, 100),
    messages: size(flags.broadcasts, 100, 20),
    window: 4,
    payloadBytes: 64,
  },
  churn: {
    pacedRate: 300,
    pacedSeconds: flags.quick ? 1 : 3,
    connections: size(flags.churn, 500, 60),
    concurrency: 10,
  },
  idle: { connections: size(flags.idle, 1000, 200), settleMs: flags.quick ? 500 : 2000 },
  slowEcho: {
    messages: size(flags["slow-messages"], 300, 40),
    payloadBytes: 2 ** 20,
    settleMs: flags.quick ? 300 : 1000,
    stallMs: 5000,
  },
  // Three senders of 250 × 64 KiB: each stays inside ours' default inbound burst (16 MiB) and is sent
  // 31 MiB by the other two (inside the 32 MiB outbound burst), so only the non-reader, sent 47 MiB,
  // breaks a limit. One sender alone could not send it past its outbound budget.
  slowRoom: {
    senders: size(flags["slow-senders"], 3, 3),
    messagesPerSender: size(flags["slow-broadcasts"], 250, 250),
    payloadBytes: 2 ** 16,
    settleMs: flags.quick ? 300 : 1000,
    stallMs: 5000,
  },
  reconnect: {
    clients: size(flags["storm-clients"], 1000, 50),
    broadcasts: size(flags["storm-broadcasts"], 20, 5),
    firstBackoffMs: size(flags["storm-backoff"], 500, 500),
    timeoutMs: 60_000,
  },
  // 9,000 rather than the 10,000: workerd holds two file descriptors per WebSocket, and
  // 10,001 sockets in one object need more than the 20,000 this machine allows (see checkOpenFiles).
  shards: {
    members: size(flags["shard-members"], 9_000, 200),
    broadcasts: size(flags["shard-broadcasts"], 50, 10),
    gapMs: size(flags["shard-gap"], 100, 20),
    payloadBytes: 64,
    timeoutMs: 60_000,
    // A room of 10, each broadcast sent 5 ms after the one before reached all: the cost and time of the hops.
    hop: { members: 10, broadcasts: flags.quick ? 20 : 100, gapMs: 5 },
  },
  storage: { members: flags.quick ? 3 : 10, batch: 20, batches: flags.quick ? 2 : 5 },
  abuse: {
    seconds: size(flags["abuse-seconds"], 20, 5),
    concurrency: 4,
    messageBytes: 1024,
    messagesPerConnection: 100,
    sampleMs: 1000,
  },
  bundle: {},
  // workerd evicts an object after 10 s without an event; a second more, so that the wake is certain.
  wake: { members: size(flags["wake-members"], 1000, 100), idleMs: 11_000, payloadBytes: 64, timeoutMs: 60_000 },
  // The 3× room's alarm wakes it every 25 s, the default's every 75 s: periods of one and two wakes.
  idleHeartbeat: {
    members: size(flags["heartbeat-members"], 1000, 50),
    seconds: size(flags["heartbeat-seconds"], 25, 1),
    defaultSeconds: size(flags["heartbeat-default-seconds"], 150, 1),
  },
  presenceJoin: {
    members: size(flags["presence-members"], 1000, 50),
    joins: size(flags["presence-joins"], 20, 5),
    gapMs: 100,
    timeoutMs: 30_000,
  },
};

/** The sizes each results file records. */
const SIZES_OF: Record<ResultScenario, unknown> = {
  echo: sizes.echo,
  broadcast: sizes.broadcast,
  churn: sizes.churn,
  idle: sizes.idle,
  "slow-reader": { echo: sizes.slowEcho, room: sizes.slowRoom },
  reconnect: sizes.reconnect,
  shards: sizes.shards,
  storage: sizes.storage,
  abuse: { ...sizes.abuse, route: ABUSED_ROUTE },
  bundle: sizes.bundle,
  wake: sizes.wake,
  "idle-heartbeat": sizes.idleHeartbeat,
  "presence-join": sizes.presenceJoin,
};

const scenarios = new Set(flags.scenarios.split(",")) as Set<ResultScenario>;
for (const name of scenarios) {
  if (!RESULT_SCENARIOS.includes(name)) throw new Error(`Unknown scenario ${name}`);
}
if (scenarios.has("shards")) checkOpenFiles(sizes.shards.members + 1);
if (scenarios.has("wake")) checkOpenFiles(WAKE_ROOMS.length * (sizes.wake.members + 1));

const recorded = new Map<ResultScenario, ScenarioRuns>();

/** Keeps one repetition's measurement of a scenario's implementation or variant, and shows it. */
function record(scenario: ResultScenario, series: string, measurement: Measurement): void {
  const runs = recorded.get(scenario) ?? {};
  (runs[series] ??= []).push(measurement);
  recorded.set(scenario, runs);
  const shown = Object.entries(measurement)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(" ");
  console.log(`  ${scenario.padEnd(14)} ${series.padEnd(13)} ${shown}`);
}

/** A different order each repetition, so that nothing always runs first. */
const rotate = <T>(list: readonly T[], rep: number): T[] => list.map((_, i) => list[(i + rep) % list.length] as T);
const rotated = (rep: number): Implementation[] => rotate(IMPLEMENTATIONS, rep);

/** The broadcast scenario's rooms: each implementation's, and ours' with history on (plain and session clients). */
const BROADCAST_ROOMS: readonly { implementation: Implementation; variant: BroadcastVariant; series: string }[] = [
  ...IMPLEMENTATIONS.map((implementation) => ({ implementation, variant: "plain" as const, series: implementation })),
  { implementation: "ours", variant: "history", series: "ours-history" },
  { implementation: "ours", variant: "sessions", series: "ours-sessions" },
];

/** Runs a scenario in a workerd of its own: memory a process once took is not reliably given back. */
async function inFreshServer<T>(script: string, scenario: (server: BenchServer) => Promise<T>): Promise<T> {
  const fresh = await startServer(script);
  try {
    return await scenario(fresh);
  } finally {
    await fresh.dispose();
  }
}

const started = Date.now();
// Deterministic, so measured once, whatever the repetitions.
for (const implementation of IMPLEMENTATIONS) {
  if (scenarios.has("bundle")) record("bundle", implementation, bundleSize(implementation));
}

console.log("Bundling bench/worker with wrangler deploy --dry-run ...");
const script = buildWorker();

const shared: BenchServer = await startServer(script);
try {
  for (let rep = 0; rep < sizes.repetitions; rep++) {
    console.log(`Repetition ${rep + 1}/${sizes.repetitions}`);
    for (const implementation of rotated(rep)) {
      if (scenarios.has("echo")) record("echo", implementation, await echo(shared, implementation, sizes.echo));
    }
    for (const { implementation, variant, series } of rotate(BROADCAST_ROOMS, rep)) {
      if (scenarios.has("broadcast"))
        record("broadcast", series, await broadcast(shared, implementation, sizes.broadcast, variant));
    }
    for (const implementation of rotated(rep)) {
      if (scenarios.has("churn")) record("churn", implementation, await churn(shared, implementation, sizes.churn));
    }
    for (const series of rotate(PRESENCE_JOIN_SERIES, rep)) {
      if (scenarios.has("presence-join"))
        record("presence-join", series, await presenceJoin(shared, series, sizes.presenceJoin));
    }
    if (scenarios.has("reconnect")) record("reconnect", "ours", await reconnectStorm(shared, sizes.reconnect));
    if (scenarios.has("storage")) record("storage", "ours", await storageRows(shared, sizes.storage));
    for (const variant of rotate(ABUSE_VARIANTS, rep)) {
      if (scenarios.has("abuse")) record("abuse", variant, await abuse(shared, variant, sizes.abuse));
    }
  }
} finally {
  await shared.dispose();
}
for (let rep = 0; rep < sizes.repetitions && scenarios.has("idle"); rep++) {
  for (const implementation of rotated(rep)) {
    record("idle", implementation, await inFreshServer(script, (server) => idle(server, implementation, sizes.idle)));
  }
}
for (let rep = 0; rep < sizes.repetitions && scenarios.has("slow-reader"); rep++) {
  for (const implementation of rotated(rep)) {
    const echoPart = await inFreshServer(script, (server) => slowEcho(server, implementation, sizes.slowEcho));
    const roomPart = await inFreshServer(script, (server) => slowRoom(server, implementation, sizes.slowRoom));
    record("slow-reader", implementation, { ...echoPart, ...roomPart });
  }
}

// Each repetition in a workerd of its own (tens of thousands of sockets pass through it), the variants side by side in
// it.
for (let rep = 0; rep < sizes.repetitions && scenarios.has("shards"); rep++) {
  await inFreshServer(script, async (server) => {
    for (const variant of rotate(SHARD_VARIANTS, rep))
      record("shards", variant, await shards(server, variant, sizes.shards));
  });
}

// Each repetition in a workerd of its own: no other scenario's objects (their alarms, evictions) run in the idle
// periods.
for (let rep = 0; rep < sizes.repetitions && scenarios.has("idle-heartbeat"); rep++) {
  await inFreshServer(script, async (server) => {
    for (const series of rotate(IDLE_HEARTBEAT_SERIES, rep))
      record("idle-heartbeat", series, await idleHeartbeat(server, series, sizes.idleHeartbeat));
  });
}

// One workerd, its rooms opened once: each repetition leaves them all idle until evicted, then wakes each in turn.
if (scenarios.has("wake")) {
  await inFreshServer(script, async (server) => {
    const rooms = await openWakeRooms(server, sizes.wake);
    try {
      for (let rep = 0; rep < sizes.repetitions; rep++) {
        console.log(`Wake ${rep + 1}/${sizes.repetitions}: ${(sizes.wake.idleMs / 1000).toFixed(0)} s idle first`);
        await rooms.idle();
        for (const room of rotate(WAKE_ROOMS, rep)) record("wake", room, await rooms.wake(room));
      }
    } finally {
      await rooms.close();
    }
  });
}

const dir = flags.quick ? QUICK_RESULTS_DIR : RESULTS_DIR;
const date = new Date().toISOString();
const machine = thisMachine();
for (const [scenario, runs] of recorded) {
  const repetitions = scenario === "bundle" ? 1 : sizes.repetitions;
  writeResults(dir, {
    scenario,
    date,
    quick: flags.quick,
    machine,
    repetitions,
    sizes: SIZES_OF[scenario],
    runs,
    summary: summarizeScenario(scenario, runs),
  });
}
const written = new Map([...readResults(dir)].filter(([scenario]) => recorded.has(scenario as ResultScenario)));
console.log(`\n${sectionsOf(written)}\n\nwritten to ${dir}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (flags.quick) {
  // A smoke test of the generator on this run's files; what it makes is not kept.
  renderReadme(readFileSync(README_PATH, "utf8"), written);
} else {
  writeDocs(readResults(RESULTS_DIR));
  console.log("bench/README.md and bench/results.svg made anew from bench/results/");
}

/**
 * workerd (which inherits this process's limit) holds two file descriptors per WebSocket: fail at the
 * start, with what to do, rather than midway with a reset connection.
 */
function checkOpenFiles(sockets: number): void {
  const needed = 2 * sockets + 1000;
  const limit = openFilesLimit();
  if (limit < needed) {
    throw new Error(
      `shards: ${sockets} sockets in one object need about ${needed} open files in workerd; the limit is ${limit}. ` +
        `Lower --shard-members or raise ulimit -n.`,
    );
  }
}
