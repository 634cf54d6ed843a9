import type { ResolvedHeartbeat } from "../src/shared/route-options.js";
import { OPEN } from "../src/shared/ready-state.js";
import { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE } from "../src/shared/session-protocol.js";
import type { RouteTable } from "./connection/handler.js";
import { readRecord } from "./connection/record.js";
import { SocketSlot } from "./connection/socket-slot.js";

/** How a connection is closed when it has been silent for its route's heartbeat timeout. */
const SILENT = { code: 3008, reason: "No heartbeat: the connection was silent too long" } as const;

/** What liveness needs from the room object. */
export interface LivenessDeps {
  readonly ctx: DurableObjectState;
  readonly router: RouteTable;
  /** Closes a connection, its handler rerun if dormant (to see its disconnect). */
  close(socket: WebSocket, code: number, reason: string): void;
  /** Wake the object (its alarm) at `time` or earlier. */
  wakeAt(time: number): void;
}

/**
 * Heartbeats that do not wake the room object, and silent connections closed. The runtime answers a
 * client's heartbeat itself and keeps the time it last did, per socket; a message wakes the object
 * anyway, and is noted in memory. So a socket was last heard at the latest of its last heartbeat
 * answered, its last message since the object started, and the object's start (what came before a
 * wake is not known: a socket gets a whole timeout from then). The alarm closes those silent past
 * their route's timeout, and comes back about twice per timeout, never per heartbeat.
 */
export class Liveness {
  readonly #deps: LivenessDeps;
  readonly #startedAt = Date.now();
  /** When each socket was last heard since the object started: its accept, or its last message. */
  readonly #heard = new SocketSlot<number>();
  readonly #routes = new SocketSlot<ResolvedHeartbeat | null>();
  /** Whether any route has a heartbeat (else none of this runs). */
  readonly #any: boolean;

  constructor(deps: LivenessDeps, any: boolean) {
    this.#deps = deps;
    this.#any = any;
    if (any) deps.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE));
  }

  /** A message came in on an open connection of `route`: noted only where that route has a heartbeat. */
  heard(socket: WebSocket, route: string): void {
    if (this.#any && this.#deps.router.getRoute(route)?.heartbeat) this.#heard.set(socket, Date.now());
  }

  /** A connection was accepted on a route: the alarm comes back when it would be silent too long. */
  accepted(socket: WebSocket, heartbeat: ResolvedHeartbeat | null): void {
    if (heartbeat === null) return;
    const now = Date.now();
    this.#heard.set(socket, now);
    this.#routes.set(socket, heartbeat);
    this.#deps.wakeAt(now + heartbeat.timeoutMs);
  }

  /** The alarm fired: silent connections are closed; returns when to look again, if any connection has a heartbeat. */
  check(now: number): number | null {
    return this.#visit(now, true);
  }

  /** When the alarm should next look, from what the sockets say (after a wake). */
  next(now = Date.now()): number | null {
    return this.#visit(now, false);
  }

  #visit(now: number, closing: boolean): number | null {
    if (!this.#any) return null;
    let earliest: number | null = null;
    let timeout = Number.POSITIVE_INFINITY;
    for (const socket of this.#deps.ctx.getWebSockets()) {
      if (socket.readyState !== OPEN) continue;
      const heartbeat = this.#heartbeatOf(socket);
      if (heartbeat === null) continue;
      const due = this.#lastHeard(socket) + heartbeat.timeoutMs;
      if (closing && due <= now) {
        this.#deps.close(socket, SILENT.code, SILENT.reason);
        continue;
      }
      timeout = Math.min(timeout, heartbeat.timeoutMs);
      if (earliest === null || due < earliest) earliest = due;
    }
    // No sooner than half a timeout from now: the object wakes about twice per timeout at most, and a
    // silent connection is closed within one and a half timeouts.
    return earliest === null ? null : Math.max(earliest, now + Math.floor(timeout / 2));
  }

  #lastHeard(socket: WebSocket): number {
    const answered = this.#deps.ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? 0;
    return Math.max(answered, this.#heard.get(socket) ?? this.#startedAt);
  }

  #heartbeatOf(socket: WebSocket): ResolvedHeartbeat | null {
    let heartbeat = this.#routes.get(socket);
    if (heartbeat === undefined) {
      const record = readRecord(socket);
      heartbeat =
        record === null || record.closing ? null : (this.#deps.router.getRoute(record.route)?.heartbeat ?? null);
      this.#routes.set(socket, heartbeat);
    }
    return heartbeat;
  }
}
