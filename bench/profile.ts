import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import type { Implementation } from "./clients.ts";
import { Inspector } from "./inspector.ts";
import type { Profile } from "./profile-tree.ts";
import { samplesWithin } from "./profile-tree.ts";
import { broadcast } from "./scenarios/broadcast.ts";
import { churn } from "./scenarios/churn.ts";
import { echo } from "./scenarios/echo.ts";
import { reconnectStorm } from "./scenarios/reconnect-storm.ts";
import type { ShardVariant } from "./scenarios/shards.ts";
import type { MeasuredWindow } from "./scenarios/shards.ts";
import { shardFanOut } from "./scenarios/shards.ts";
import type { WakeRoom } from "./scenarios/wake.ts";
import { openWakeRooms } from "./scenarios/wake.ts";
import { buildWorker, startServer } from "./server.ts";

/**
 * Samples V8's CPU profile inside workerd (through its inspector) while one implementation runs one
 * scenario, then prints the functions with the most self time. `--out` saves a .cpuprofile for DevTools
 * (of the last round, for `shards`). `shards` samples only its broadcasts, not the connections' setup.
 */
const { values: flags } = parseArgs({
  options: {
    scenario: { type: "string", default: "echo" },
    implementation: { type: "string", default: "ours" },
    rounds: { type: "string", default: "5" },
    /** reconnect: session clients in the storm */
    clients: { type: "string", default: "500" },
    /** shards: where the broadcast room's members are (one-object, shards-1000, shards-100), and how many */
    variant: { type: "string", default: "shards-100" },
    members: { type: "string", default: "3000" },
    top: { type: "string", default: "25" },
    /** comma-separated function names: also print the share of samples in each, callees included */
    within: { type: "string" },
    out: { type: "string" },
  },
});
const implementation = flags.implementation as Implementation;
const run = {
  echo: (server: Parameters<typeof echo>[0]) =>
    echo(server, implementation, {
      connections: 50,
      pacedRate: 5000,
      pacedSeconds: 2,
      messagesPerConnection: 200,
      pipeline: 10,
      payloadBytes: 64,
    }),
  broadcast: (server: Parameters<typeof echo>[0]) =>
    broadcast(server, implementation, { members: 500, messages: 50, window: 4, payloadBytes: 64 }),
  // ours only: the broadcast room with history on, and with session clients as members
  "broadcast-history": (server: Parameters<typeof echo>[0]) =>
    broadcast(server, "ours", { members: 500, messages: 50, window: 4, payloadBytes: 64 }, "history"),
  "broadcast-sessions": (server: Parameters<typeof echo>[0]) =>
    broadcast(server, "ours", { members: 500, messages: 50, window: 4, payloadBytes: 64 }, "sessions"),
  reconnect: (server: Parameters<typeof echo>[0]) =>
    reconnectStorm(server, { clients: Number(flags.clients), broadcasts: 20, firstBackoffMs: 500, timeoutMs: 60_000 }),
  churn: (server: Parameters<typeof echo>[0]) =>
    churn(server, implementation, { pacedRate: 300, pacedSeconds: 1, connections: 300, concurrency: 10 }),
  // ours only: the fan-out of one broadcast room, in one object or over shards
  shards: (server: Parameters<typeof echo>[0], window?: MeasuredWindow) =>
    shardFanOut(
      server,
      flags.variant as ShardVariant,
      { members: Number(flags.members), broadcasts: 20, gapMs: 100, payloadBytes: 64, timeoutMs: 60_000 },
      window,
    ),
  // the wake of an evicted room object of 1,000 members (`--implementation ours-sessions` too): only the waking
  // broadcast is sampled
  wake: async (server: Parameters<typeof echo>[0], window?: MeasuredWindow) => {
    const rooms = await openWakeRooms(server, { members: 1000, idleMs: 11_000, payloadBytes: 64, timeoutMs: 60_000 });
    try {
      await rooms.idle();
      await window?.start();
      await rooms.wake(implementation as WakeRoom);
      await window?.stop();
    } finally {
      await rooms.close();
    }
  },
}[
  flags.scenario as
    "echo" | "broadcast" | "broadcast-history" | "broadcast-sessions" | "churn" | "reconnect" | "shards" | "wake"
];
if (run === undefined) throw new Error(`Unknown scenario ${flags.scenario}`);

const inspectorPort = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const address = probe.address();
    probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
  });
});
const server = await startServer(buildWorker(), { inspectorPort });
try {
  await run(server);
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    id: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.id.includes("core:user"));
  if (target === undefined)
    throw new Error(`No user worker among inspector targets: ${targets.map((t) => t.id).join(", ")}`);
  const inspector = new Inspector(target.webSocketDebuggerUrl);
  await inspector.opened;
  await inspector.call("Profiler.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: 100 });
  const profiles: Profile[] = [];
  const start = () => inspector.call("Profiler.start");
  const stop = async () => profiles.push(((await inspector.call("Profiler.stop")) as { profile: Profile }).profile);
  if (flags.scenario === "shards" || flags.scenario === "wake") {
    for (let i = 0; i < Number(flags.rounds); i++) await run(server, { start, stop });
  } else {
    await start();
    for (let i = 0; i < Number(flags.rounds); i++) await run(server);
    await stop();
  }
  inspector.close();
  if (flags.out) writeFileSync(flags.out, JSON.stringify(profiles.at(-1)));
  printTop(profiles, Number(flags.top));
  if (flags.within !== undefined) printWithin(profiles, flags.within.split(","));
} finally {
  await server.dispose();
}

function printTop(profiles: readonly Profile[], count: number): void {
  const selfHits = new Map<string, number>();
  let total = 0;
  for (const node of profiles.flatMap((profile) => profile.nodes)) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || "(anonymous)"} ${url.split("/").pop() ?? ""}:${lineNumber + 1}`;
    selfHits.set(key, (selfHits.get(key) ?? 0) + hits);
  }
  console.log(`${flags.scenario} / ${implementation}: ${total} samples; self time by function:`);
  for (const [key, hits] of [...selfHits].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
}

function printWithin(profiles: readonly Profile[], names: readonly string[]): void {
  const { within, total } = samplesWithin(profiles, names);
  console.log("samples in each function, callees included:");
  for (const [name, hits] of within) console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}
