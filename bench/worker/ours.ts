import { Hypern, WebSocketRoom } from "../../src/index.js";
import type { WebSocketHandler } from "../../src/index.js";
import { resolveHeartbeat } from "../../src/shared/route-options.js";
import { DEFAULT_HEARTBEAT, HEARTBEAT_ROUTES } from "./heartbeat-timings.js";

/**
 * The same rooms written with this library's handler API and WebSocketRoom. The one limit raised from
 * its default (10,000) is the sockets one room object may hold: the shards scenario puts thousands of
 * members in one object (9,000 and a sender by default, 10,000 if the machine allows), to compare it
 * with the same crowd spread over shards.
 */
export const ours = new Hypern<Env>({ binding: "OURS", limits: { maxConnectionsPerRoom: 32_768 } });

const members = new WebSocketRoom("bench");
/** The same room keeping a log of its broadcasts (SQLite), as resuming session clients need. */
export const logged = new WebSocketRoom("bench-history", { history: { limit: 1000 } });

ours.ws(
  "/ours/echo/:room",
  async (ws) => {
    await ws.accept();
    for await (const text of ws.iterText()) ws.sendText(text);
  },
  { roomObject: ({ params }) => params.room },
);

/** A broadcast room: every message goes to all members but its sender. */
const broadcastToOthers: WebSocketHandler<Env> = async (ws) => {
  await ws.accept();
  if (!ws.rerun) members.join(ws);
  for await (const text of ws.iterText()) await members.broadcast(text, { exclude: ws.id });
  members.leave(ws);
};

ours.ws("/ours/broadcast/:room", broadcastToOthers, { roomObject: ({ params }) => params.room });

/**
 * The same handler on routes whose rooms span several objects: shards of at most 1,000 connections
 * (the default cap), and of 100, so that the cost of each further shard shows.
 */
const SHARD_CAPS = { "broadcast-sharded": 1000, "broadcast-sharded-100": 100 } as const;
for (const [scenario, maxConnections] of Object.entries(SHARD_CAPS)) {
  ours.ws(`/ours/${scenario}/:room`, broadcastToOthers, {
    roomObject: ({ params }) => params.room,
    shards: { maxConnections },
  });
}

/**
 * The broadcast room on routes with a heartbeat (its members idle, but for their pings): the idle-heartbeat scenario.
 */
for (const [scenario, { intervalMs, timeoutMs }] of Object.entries(HEARTBEAT_ROUTES)) {
  ours.ws(`/ours/${scenario}/:room`, broadcastToOthers, {
    roomObject: ({ params }) => params.room,
    heartbeat: { intervalMs, timeoutMs },
  });
}
// The load generator pings at the interval the file gives: that of the first route must be the library's default.
const libraryDefault = resolveHeartbeat(true);
if (
  libraryDefault.intervalMs !== DEFAULT_HEARTBEAT.intervalMs ||
  libraryDefault.timeoutMs !== DEFAULT_HEARTBEAT.timeoutMs
) {
  throw new Error(
    `bench/worker/heartbeat-timings.ts: the default heartbeat is now ${JSON.stringify(libraryDefault)}; update its ` +
      `routes`,
  );
}

/**
 * Broadcast rooms for the presence-join scenario: one whose handler tells the others of each member
 * that joins (`joined|<id>`; not of those whose URL has `?quiet`, the members opened before the
 * measurement), for plain clients and for session clients; and one with presence, whose session
 * clients the library tells of each join (a presence diff; the newcomer gets the room whole).
 */
const announced = new WebSocketRoom("bench-joined");
const announceJoin: WebSocketHandler<Env> = async (ws) => {
  await ws.accept();
  if (!ws.rerun && !ws.recovered) {
    announced.join(ws);
    if (!ws.queryParams.has("quiet")) await announced.broadcast(`joined|${ws.id}`, { exclude: ws.id });
  }
  for await (const text of ws.iterText()) await announced.broadcast(text, { exclude: ws.id });
};
ours.ws("/ours/joined/:room", announceJoin, { roomObject: ({ params }) => params.room });
ours.ws("/ours/joined-session/:room", announceJoin, { roomObject: ({ params }) => params.room, sessions: true });

const present = new WebSocketRoom("bench-presence", { presence: true });
ours.ws(
  "/ours/presence/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.rerun && !ws.recovered) present.join(ws);
    for await (const text of ws.iterText()) await present.broadcast(text, { exclude: ws.id });
  },
  { roomObject: ({ params }) => params.room, sessions: true },
);

/** `/ours/broadcast/:room` with history on: each broadcast is appended to the room's log first. */
ours.ws(
  "/ours/broadcast-history/:room",
  async (ws) => {
    await ws.accept();
    if (!ws.rerun) logged.join(ws);
    for await (const text of ws.iterText()) await logged.broadcast(text, { exclude: ws.id });
    logged.leave(ws);
  },
  { roomObject: ({ params }) => params.room },
);

/**
 * The history room on a route with sessions: session clients get each broadcast in its envelope
 * (its place in the log) and, after a drop, what they missed; plain clients are plain members.
 */
export const SESSION_ROUTE = "/ours/session/:room";
ours.ws(
  SESSION_ROUTE,
  async (ws) => {
    await ws.accept();
    // A recovered session is a member again already.
    if (!ws.rerun && !ws.recovered) logged.join(ws);
    for await (const text of ws.iterText()) await logged.broadcast(text, { exclude: ws.id });
  },
  { roomObject: ({ params }) => params.room, sessions: true },
);

/**
 * A route with sessions whose handler answers each text `N` with N direct messages (`d|0` ... `d|N-1`)
 * to its sender: what a direct message to a session client costs in storage (the storage scenario).
 */
ours.ws(
  "/ours/session-direct/:room",
  async (ws) => {
    await ws.accept();
    for await (const text of ws.iterText()) {
      for (let i = 0; i < Number(text); i++) ws.sendText(`d|${i}`);
    }
  },
  { roomObject: ({ params }) => params.room, sessions: true },
);
