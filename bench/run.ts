import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Implementation } from "./clients.ts";
import { IMPLEMENTATIONS } from "./clients.ts";
import type { Measurement, Runs, ScenarioName } from "./report.ts";
import { SCENARIOS, checkTargets, markdownTable, summarize, svgChart, targetsTable } from "./report.ts";
import type { OursCase, OursRuns } from "./report-ours.ts";
import { OURS_CASES, checkOursTargets, oursTable, summarizeOurs } from "./report-ours.ts";
import type { ShardRuns } from "./report-shards.ts";
import { shardsTable, summarizeShards } from "./report-shards.ts";
import type { BroadcastVariant } from "./scenarios/broadcast.ts";
import { broadcast } from "./scenarios/broadcast.ts";
import { churn } from "./scenarios/churn.ts";
import { echo } from "./scenarios/echo.ts";
import { idle } from "./scenarios/idle.ts";
import { reconnectStorm } from "./scenarios/reconnect-storm.ts";
import type { ShardVariant } from "./scenarios/shards.ts";
import { SHARD_VARIANTS, shards } from "./scenarios/shards.ts";
import { slowEcho } from "./scenarios/slow-echo.ts";
import { slowRoom } from "./scenarios/slow-room.ts";
import type { BenchServer } from "./server.ts";
import { buildWorker, startServer } from "./server.ts";
import { openFilesLimit } from "./process-stats.ts";

const benchDir = dirname(fileURLToPath(import.meta.url));
/**
 * Scenarios of ours alone (the others have no sessions and no shards); `broadcast` also runs ours
 * with history on and with session clients.
 */
const OURS_SCENARIOS = ["reconnect", "shards"] as const;
const ALL_SCENARIOS: readonly string[] = [...SCENARIOS, ...OURS_SCENARIOS];

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
    scenarios: { type: "string", default: [...SCENARIOS, ...OURS_SCENARIOS].join(",") },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  console.log(`npm run bench -- [--quick] [--repetitions R] [--connections C] [--messages M] [--members N]
                      [--broadcasts K] [--churn T] [--idle I] [--slow-messages S] [--slow-senders P]
                      [--slow-broadcasts B] [--storm-clients S] [--storm-broadcasts K] [--storm-backoff MS]
                      [--shard-members N] [--shard-broadcasts K] [--shard-gap MS] [--scenarios LIST]
  --quick         small sizes, one repetition (a smoke run, under a minute); writes bench/quick-results.json only
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
  --shard-members shards: members of ours' broadcast room in one object vs over shards of 1,000 and of 100 (default 9000)
  --shard-broadcasts  shards: broadcasts, each sent once the one before has reached every member (default 50)
  --shard-gap     shards: pause between a broadcast's last delivery and the next send, ms (default 100)
                  (then a room of 10 the same way, 100 broadcasts 5 ms apart: what the hops through the sequencer add)
  --scenarios     which to run, comma-separated (default ${ALL_SCENARIOS.join(",")}); a partial run writes no files`);
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
  broadcast: { members: size(flags.members, 1000, 100), messages: size(flags.broadcasts, 100, 20), window: 4, payloadBytes: 64 },
  churn: { pacedRate: 300, pacedSeconds: flags.quick ? 1 : 3, connections: size(flags.churn, 500, 60), concurrency: 10 },
  idle: { connections: size(flags.idle, 1000, 200), settleMs: flags.quick ? 500 : 2000 },
  slowEcho: { messages: size(flags["slow-messages"], 300, 40), payloadBytes: 2 ** 20, settleMs: flags.quick ? 300 : 1000, stallMs: 5000 },
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
};

const scenarios = new Set(flags.scenarios.split(","));
if (scenarios.has("shards")) checkOpenFiles(sizes.shards.members + 1);
for (const name of scenarios) {
  if (!ALL_SCENARIOS.includes(name)) throw new Error(`Unknown scenario ${name}`);
}
const partial = scenarios.size < ALL_SCENARIOS.length;

const runs = Object.fromEntries(SCENARIOS.map((s) => [s, { raw: [], ours: [], party: [] }])) as unknown as Runs;
const oursRuns = Object.fromEntries(OURS_CASES.map((c) => [c, []])) as unknown as OursRuns;
const shardRuns = Object.fromEntries(SHARD_VARIANTS.map((v) => [v, []])) as unknown as ShardRuns;

/** A different order each repetition, so that nothing always runs first. */
const rotate = <T>(list: readonly T[], rep: number): T[] => list.map((_, i) => list[(i + rep) % list.length] as T);
const rotated = (rep: number): Implementation[] => rotate(IMPLEMENTATIONS, rep);

/** The broadcast scenario's rooms: each implementation's, and ours' with history on (plain and session clients). */
const BROADCAST_ROOMS: readonly { implementation: Implementation; variant: BroadcastVariant }[] = [
  ...IMPLEMENTATIONS.map((implementation) => ({ implementation, variant: "plain" as const })),
  { implementation: "ours", variant: "history" },
  { implementation: "ours", variant: "sessions" },
];

function record(scenario: ScenarioName, implementation: Implementation, measurement: Measurement): void {
  runs[scenario][implementation].push(measurement);
  const shown = Object.entries(measurement).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`).join(" ");
  console.log(`  ${scenario.padEnd(11)} ${implementation.padEnd(5)} ${shown}`);
}

function recordOurs(which: OursCase, measurement: Measurement): void {
  oursRuns[which].push(measurement);
  const shown = Object.entries(measurement).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`).join(" ");
  console.log(`  ${which.padEnd(18)} ours  ${shown}`);
}

function recordShards(variant: ShardVariant, measurement: Measurement): void {
  shardRuns[variant].push(measurement);
  const shown = Object.entries(measurement).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`).join(" ");
  console.log(`  shards ${variant.padEnd(11)} ours  ${shown}`);
}

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
console.log("Bundling bench/worker with wrangler deploy --dry-run ...");
const script = buildWorker();

const shared: BenchServer = await startServer(script);
try {
  for (let rep = 0; rep < sizes.repetitions; rep++) {
    console.log(`Repetition ${rep + 1}/${sizes.repetitions}`);
    for (const implementation of rotated(rep)) {
      if (scenarios.has("echo")) record("echo", implementation, await echo(shared, implementation, sizes.echo));
    }
    for (const { implementation, variant } of rotate(BROADCAST_ROOMS, rep)) {
      if (!scenarios.has("broadcast")) continue;
      const measurement = await broadcast(shared, implementation, sizes.broadcast, variant);
      if (variant === "plain") record("broadcast", implementation, measurement);
      else recordOurs(variant === "history" ? "broadcast-history" : "broadcast-sessions", measurement);
    }
    for (const implementation of rotated(rep)) {
      if (scenarios.has("churn")) record("churn", implementation, await churn(shared, implementation, sizes.churn));
    }
    if (scenarios.has("reconnect")) recordOurs("reconnect", await reconnectStorm(shared, sizes.reconnect));
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

// Each repetition in a workerd of its own (tens of thousands of sockets pass through it), the variants side by side in it.
for (let rep = 0; rep < sizes.repetitions && scenarios.has("shards"); rep++) {
  await inFreshServer(script, async (server) => {
    for (const variant of rotate(SHARD_VARIANTS, rep)) recordShards(variant, await shards(server, variant, sizes.shards));
  });
}

const oursRows = summarizeOurs(oursRuns, runs.broadcast.ours);
const shardRows = summarizeShards(shardRuns);
const oursChecks = checkOursTargets(oursRows);
if (partial) {
  const compared = SCENARIOS.filter((s) => scenarios.has(s));
  const tables = [
    ...(compared.length > 0 ? [markdownTable(summarize(runs, compared))] : []),
    ...(oursRows.length > 0 ? [oursTable(oursRows), targetsTable(oursChecks)] : []),
    ...(shardRows.length > 0 ? [shardsTable(shardRows)] : []),
  ];
  console.log(`\n${tables.join("\n\n")}\n\npartial run, ${new Date().toISOString().slice(0, 10)}, medians of ${sizes.repetitions} interleaved repetition(s)`);
  process.exit(0);
}

const rows = summarize(runs);
const checks = [...checkTargets(rows), ...oursChecks];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}`;
const caption = `${flags.quick ? "quick run" : "full run"}, ${new Date().toISOString().slice(0, 10)}, medians of ${sizes.repetitions} interleaved repetition(s); ${machine}`;
const tables = `${markdownTable(rows)}\n\n${oursTable(oursRows)}\n\n${shardsTable(shardRows)}\n\n${targetsTable(checks)}`;
console.log(`\n${tables}\n\n${caption}; took ${((Date.now() - started) / 1000).toFixed(0)} s`);

const result = {
  date: new Date().toISOString(), quick: flags.quick, machine, sizes, summary: rows, oursSummary: oursRows, shardsSummary: shardRows, targets: checks, runs, oursRuns, shardRuns,
};
if (flags.quick) {
  writeFileSync(join(benchDir, "quick-results.json"), `${JSON.stringify(result, null, 2)}\n`);
} else {
  mkdirSync(benchDir, { recursive: true });
  writeFileSync(join(benchDir, "results.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(benchDir, "results.svg"), `${svgChart(rows, caption)}\n`);
  updateReadme(`${tables}\n\n${caption}.`);
}

/**
 * workerd (which inherits this process's limit) holds two file descriptors per WebSocket: fail at the
 * start, with what to do, rather than midway with a reset connection.
 */
function checkOpenFiles(sockets: number): void {
  const needed = 2 * sockets + 1000;
  const limit = openFilesLimit();
  if (limit < needed) {
    throw new Error(`shards: ${sockets} sockets in one object need about ${needed} open files in workerd; the limit is ${limit}. Lower --shard-members or raise ulimit -n.`);
  }
}

/** Replaces the README's benchmark figures between their markers. */
function updateReadme(figures: string): void {
  const readme = join(benchDir, "..", "README.md");
  const text = readFileSync(readme, "utf8");
  const start = "<!-- bench:results:start -->";
  const end = "<!-- bench:results:end -->";
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`README.md has no ${start} ... ${end} markers`);
  writeFileSync(readme, `${text.slice(0, from + start.length)}\n${figures}\n${text.slice(to)}`);
}
