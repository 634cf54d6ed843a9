import { SESSION_PROTOCOL, resumeRequestIn } from "../src/shared/session-protocol.js";
import type { Handshake } from "./connection/handshake.js";
import { Connection } from "./connection/connection.js";
import type { ConnectionDeps } from "./connection/connection.js";
import type { HeaderStore } from "./connection/header-store.js";
import type { Logger } from "./connection/logger.js";
import { countHeld } from "./connection/socket-list.js";
import { isRefusal, readUpgrade } from "./connection/upgrade-request.js";
import type { Connections } from "./connections.js";
import type { RoomObjectConfig } from "./config.js";
import type { HeldSockets } from "./held-sockets.js";
import type { Liveness } from "./liveness.js";
import type { LocalRooms } from "./rooms/local-rooms.js";
import type { ObjectPart } from "./rooms/rooms.js";
import type { Sending } from "./sending.js";
import type { SessionParts } from "./sessions/session-parts.js";

/** What answering an upgrade needs from the room object. */
export interface UpgradeDeps {
  readonly ctx: DurableObjectState;
  readonly config: RoomObjectConfig;
  readonly logger: Logger;
  readonly headers: HeaderStore;
  readonly held: HeldSockets;
  readonly sessions: SessionParts["held"];
  readonly links: SessionParts["links"];
  readonly connections: Connections;
  readonly sending: Sending;
  readonly liveness: Liveness;
  readonly connection: ConnectionDeps;
  /** The rooms of this object's own connections; null for an object that holds none (a sequencer). */
  readonly local: LocalRooms | null;
  readonly part: ObjectPart;
}

/** How long a resumed session's new connection waits for its older connections' handlers, at most. */
const OLDER_HANDLERS_MS = 10_000;

/** Settles when `promise` does, or after `ms` (whichever comes first; the timer goes with it). */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  if (timer !== undefined) clearTimeout(timer);
}

function refused(status: number, message: string, headers?: Record<string, string>): Response {
  return new Response(message, { status, ...(headers === undefined ? {} : { headers }) });
}

/**
 * The upgrade request the Worker forwarded: checked, given a place among the object's sockets, and
 * handed to the route's handler, which accepts or refuses it. Resolves with the 101 or the refusal.
 * A client that negotiates sessions on a route with sessions, and perhaps resumes one, takes back the
 * session's id, data and rooms before its handler runs.
 */
export function upgrade(request: Request, deps: UpgradeDeps): Promise<Response> {
  const { ctx, config, sessions, links, part, local } = deps;
  if (local === null) return Promise.resolve(refused(404, "This room object holds no connections"));
  const upgradeRequest = readUpgrade(request, config);
  if (isRefusal(upgradeRequest)) {
    part.settled();
    return Promise.resolve(refused(upgradeRequest.status, upgradeRequest.message));
  }
  const { route, params, headers, storedHeaders, protocols } = upgradeRequest;
  const sessionOffered = route.sessions !== null && protocols.includes(SESSION_PROTOCOL);
  const resume = sessionOffered ? resumeRequestIn(protocols) : null;
  const { recovery, record } =
    resume === null ? { recovery: null, record: upgradeRequest.record } : links.recover(resume, upgradeRequest.record);
  const recovered = recovery !== null && "session" in recovery;
  // The object keeps places for sessions that may resume in it (a resume claims its own at once); the
  // sockets this resume supersedes give theirs to it. Full because of such places, it makes room: the
  // client's own oldest dropped session ends, else, in a room in one object, the room's oldest.
  const superseded = recovered ? countHeld(ctx.getWebSockets(record.id)) : 0;
  const cap = part.cap();
  const address = record.clientHost;
  const reserve = (): ReturnType<HeldSockets["reserve"]> =>
    deps.held.reserve(address, cap, sessions.counts().resumable - superseded);
  let reservation = reserve();
  while (isRefusal(reservation) && reservation.status === 503 && sessions.endOldestDropped(address, cap === undefined))
    reservation = reserve();
  if (isRefusal(reservation)) {
    links.release(recovery);
    part.settled();
    return Promise.resolve(refused(reservation.status, reservation.message, reservation.headers));
  }
  const { 0: client, 1: server } = new WebSocketPair();
  return new Promise<Response>((resolve) => {
    const handshake: Handshake = {
      accept: (responseHeaders) => {
        if (storedHeaders !== null) deps.headers.keep(record.id, storedHeaders);
        // A resumed session reuses its id: what an older connection of it kept is not this one's.
        else if (recovered) deps.headers.drop(record.id);
        const opening = sessionOffered ? links.open(connection, recovery) : null;
        // The id as a tag lets RPC broadcasts exclude ids without reading every attachment.
        ctx.acceptWebSocket(server, [record.id, ...reservation.tags, ...(opening?.tags ?? [])]);
        deps.held.accepted(reservation);
        deps.liveness.accepted(server, route.heartbeat);
        part.settled();
        deps.logger.connected(record);
        let replayCut = false;
        if (opening !== null) {
          // The welcome and what the client missed go first; live broadcasts follow once it is a member again.
          replayCut = !deps.sending.replay(server, opening.frames);
          local.restore(connection);
        }
        resolve(new Response(null, { status: 101, webSocket: client, headers: responseHeaders }));
        // More to replay than the outbound budget allows: the replay stops at the first frame that does
        // not fit (the client must see no gap), and once accepted the connection closes (1013); the
        // client resumes from what it got, on a new socket with a new budget.
        if (replayCut) queueMicrotask(() => connection.closeForLibrary(deps.sending.overBudget));
      },
      refuse: (status, message) => {
        reservation.release();
        links.release(recovery);
        part.settled();
        resolve(new Response(message, { status }));
      },
    };
    const session = { offered: sessionOffered, recovered };
    const connection = new Connection({
      record,
      params,
      headers,
      socket: server,
      deps: deps.connection,
      limits: config.limits,
      handshake,
      session,
    });
    // Older connections of a resumed session may still be busy with a message its client sent before:
    // the new one takes its client's next messages once they are done.
    const older = recovered ? deps.connections.runningWithId(record.id) : [];
    if (older.length > 0)
      connection.receiveAfter(within(Promise.all(older.map((one) => deps.connections.ended(one))), OLDER_HANDLERS_MS));
    deps.connections.run(connection, route);
  });
}
