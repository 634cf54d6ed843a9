import type { ResolvedLimits } from "../src/shared/limits.js";
import type { Connection } from "./connection/connection.js";
import type { OutgoingFrame } from "./connection/frames.js";
import type { Delivery } from "./connection/outbox.js";
import { Outbox } from "./connection/outbox.js";
import type { Broadcast } from "./rooms/local-rooms.js";
import type { HoldSend, ObjectPart } from "./rooms/rooms.js";
import type { SessionParts } from "./sessions/session-parts.js";

/** What sending needs from the room object. */
export interface SendingDeps {
  readonly limits: ResolvedLimits;
  readonly sessions: SessionParts["held"];
  readonly traffic: SessionParts["traffic"];
  /** The connection of a socket, its handler rerun if dormant (to be closed under it). */
  connectionOf(socket: WebSocket): Connection | undefined;
  /** The open socket of a connection id. */
  socketOf(id: string): WebSocket | undefined;
  /** This object's part in its room, which may hold a send back to keep the room's order. */
  readonly part: ObjectPart;
}

/**
 * Every frame the room object sends to a client goes through here, within the socket's outbound budget
 * (a connection over it is closed under its handler, 1013): a handler's own sends, broadcasts, sends
 * to members, replays. A session client gets each in its envelope: direct messages numbered and kept
 * until acknowledged, broadcasts with their place in the room's history.
 */
export class Sending {
  readonly #deps: SendingDeps;
  readonly #outbox: Outbox;

  constructor(deps: SendingDeps) {
    this.#deps = deps;
    this.#outbox = new Outbox(deps.limits);
  }

  /** Sends a frame as it is; a connection over its outbound budget is closed under its handler. */
  send(socket: WebSocket, frame: OutgoingFrame): Delivery {
    const delivery = this.#outbox.send(socket, frame);
    if (delivery === "over-budget") this.#deps.connectionOf(socket)?.closeForLibrary(this.#outbox.overBudget);
    return delivery;
  }

  /**
   * Sends what a resumed session missed, first on its new socket; false when it does not all fit the
   * outbound budget: then it stops at the first frame that does not (the client must see no gap).
   */
  replay(socket: WebSocket, frames: readonly string[]): boolean {
    return frames.every((frame) => this.#outbox.send(socket, frame) === "sent");
  }

  /** How a connection is closed when a replay does not fit its budget. */
  get overBudget(): { readonly code: number; readonly reason: string } {
    return this.#outbox.overBudget;
  }

  /**
   * A handler's send to its own client, in order with the room's broadcasts it made before (a session's is kept at
   * once, even while it waits for them).
   */
  direct(connection: Connection, frame: OutgoingFrame): Delivery {
    const { holdSend } = this.#deps.part;
    const { socket, record } = connection;
    // The closure is made only where something can be held (a shard): the send path of a room in one object has none.
    const held =
      holdSend !== null &&
      this.#held(holdSend, socket, record.id, record.route, frame, () => {
        if (connection.isOpen) this.send(socket, frame);
      });
    return held ? "sent" : this.#directNow(socket, frame);
  }

  /**
   * A handler's send after its client went away, for a session that goes on: kept for the client's
   * resume, in order with the handler's earlier sends (some may still wait for the room's order).
   */
  keep(connection: Connection, frame: OutgoingFrame): boolean {
    return this.#deps.traffic.keep(connection, frame, this.#deps.part.holdSend);
  }

  /**
   * A send to one member by id: to its open socket, or kept for its session while it may resume; false when it is
   * gone.
   */
  toMember(id: string, frame: OutgoingFrame): boolean {
    const { holdSend } = this.#deps.part;
    if (holdSend === null) return this.#toMemberNow(id, frame);
    const socket = this.#deps.socketOf(id);
    // No socket: a session away keeps it; anyone else has left.
    if (socket === undefined) return this.#deps.traffic.keepFor(id, frame, holdSend);
    // Its socket carries any session now: no route is needed to bound what is kept for it while away.
    if (this.#held(holdSend, socket, id, null, frame, () => void this.#toMemberNow(id, frame))) return true;
    return this.#toMemberNow(id, frame);
  }

  /**
   * A broadcast to one member; "skipped" for a session member too far behind in the room (it is closed, to resume
   * later).
   */
  broadcast(socket: WebSocket, id: string, broadcast: Broadcast): Delivery | "skipped" {
    const { sessions, traffic } = this.#deps;
    if (sessions.sessionOf(socket) === null) return this.send(socket, broadcast.frame);
    const envelope = (broadcast.envelope ??= traffic.envelope(broadcast.room, broadcast.position, broadcast.frame));
    const { room, position } = broadcast;
    if (room === null || position === null) return this.send(socket, envelope);
    if (broadcast.fromHistory !== true && traffic.roomBacklogOver(socket, id, room, position.offset)) return "skipped";
    const delivery = this.send(socket, envelope);
    if (delivery === "sent") traffic.sent(id, room, position);
    return delivery;
  }

  /**
   * Holds a send to member `id` on `socket` behind this shard's ops still on their way, if any: a session's is kept at
   * once (see `SessionTraffic.sendWhenReleased`), anyone else's runs `later` when let go. False when nothing is held.
   */
  #held(
    hold: HoldSend,
    socket: WebSocket,
    id: string,
    route: string | null,
    frame: OutgoingFrame,
    later: () => void,
  ): boolean {
    const session = this.#deps.sessions.sessionOf(socket);
    if (session !== null) return this.#deps.traffic.sendWhenReleased(hold, session, id, route, frame);
    return hold(later) !== false;
  }

  #directNow(socket: WebSocket, frame: OutgoingFrame): Delivery {
    const { sessions, traffic } = this.#deps;
    const session = sessions.sessionOf(socket);
    return session === null ? this.send(socket, frame) : traffic.sendDirect(socket, session, frame);
  }

  #toMemberNow(id: string, frame: OutgoingFrame): boolean {
    const socket = this.#deps.socketOf(id);
    if (socket !== undefined) return this.#directNow(socket, frame) === "sent";
    return this.#deps.traffic.keepFor(id, frame);
  }
}
