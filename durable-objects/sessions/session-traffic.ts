import type { ResolvedSessions } from "../../src/shared/route-options.js";
import { OPEN } from "../../src/shared/ready-state.js";
import type { LogPosition } from "../../src/shared/session-protocol.js";
import { parseClientFrame, payloadData } from "../../src/shared/session-protocol.js";
import type { Connection } from "../connection/connection.js";
import type { Frame, OutgoingFrame } from "../connection/frames.js";
import type { Violation } from "../connection/inbound-limits.js";
import type { Delivery } from "../connection/outbox.js";
import type { HeldSessions, SessionDeps } from "./held-sessions.js";
import { encode } from "./sessions.js";
import { SocketSlot } from "../connection/socket-slot.js";
import type { HoldSend } from "../rooms/rooms.js";

/** A session client sent a frame that is not one of the protocol's. */
const INVALID_SESSION_FRAME: Violation = { code: 1007, reason: "Invalid session frame: see the session protocol" };
const TOO_FAR_BEHIND: Violation = {
  code: 1013,
  reason: "Too far behind: acknowledge what you receive, and resume to catch up",
};

/**
 * The session protocol's frames both ways: a session client's messages (each processed once) and acknowledgements;
 * direct messages, numbered and kept until acknowledged (kept for a client that is away too); broadcasts in their
 * envelopes. A client too far behind is closed, so what is kept for it stays bounded.
 */
export class SessionTraffic {
  readonly #deps: SessionDeps;
  readonly #sessions: HeldSessions;
  readonly #options = new SocketSlot<ResolvedSessions | null>();
  /** Per connection: the ids of its client's messages waiting in its queue. */
  readonly #queued = new WeakMap<Connection, Set<string>>();

  constructor(deps: SessionDeps, sessions: HeldSessions) {
    this.#deps = deps;
    this.#sessions = sessions;
  }

  /**
   * A frame from a session client: a message for the handler (processed once, whether the same id
   * comes again while the first waits in the queue or after it was processed), or an acknowledgement.
   * The raw frame meets the connection's limits first; then every field is checked before anything
   * is decoded.
   */
  receive(connection: Connection, session: string, frame: Frame): Violation | undefined {
    const overLimit = connection.checkFrame(frame);
    if (overLimit !== undefined) return overLimit;
    const parsed = parseClientFrame(frame);
    if (parsed === null) return INVALID_SESSION_FRAME;
    const sessions = this.#sessions.store;
    if (parsed.t === "a") return sessions.acknowledge(session, connection.record, parsed);
    const { id } = parsed;
    const acknowledge = (): void => void this.#deps.send(connection.socket, encode({ t: "k", id }));
    if (sessions.store.processed(session, id)) {
      acknowledge();
      return undefined;
    }
    const queued = this.#queuedIds(connection);
    if (queued.has(id)) return undefined;
    queued.add(id);
    return connection.enqueue(payloadData(parsed), () => {
      queued.delete(id);
      sessions.store.remember(session, id, Date.now());
      acknowledge();
    });
  }

  /** The ids of a connection's messages waiting in its queue (they go with it). */
  #queuedIds(connection: Connection): Set<string> {
    let ids = this.#queued.get(connection);
    if (ids === undefined) this.#queued.set(connection, (ids = new Set()));
    return ids;
  }

  /**
   * A direct message for a session client: numbered, kept until acknowledged; a client too far behind
   * is closed (its handler running or dormant), so what is kept for it stays bounded.
   */
  sendDirect(socket: WebSocket, session: string, frame: OutgoingFrame): Delivery {
    const delivery = this.#deps.send(socket, this.#sessions.store.direct(session, frame));
    this.#closeIfTooFarBehind(socket, session);
    return delivery;
  }

  /**
   * A send for a session whose connection's socket is gone (its client dropped, or a newer connection
   * carries the session on): kept, numbered, for the client to get when it resumes, and sent at once
   * if a newer socket carries the session (or once `hold` lets it go). False if the session has ended.
   */
  keep(connection: Connection, frame: OutgoingFrame, hold: HoldSend | null = null): boolean {
    const { session, id, route } = connection.record;
    if (session === null || !this.#sessions.store.store.holds(session)) return false;
    if (hold !== null && this.sendWhenReleased(hold, session, id, route, frame)) return true;
    const newer = this.#carrying(id, session);
    if (newer !== undefined) this.sendDirect(newer, session, frame);
    else this.#keepWhileAway(session, route, frame);
    return true;
  }

  /**
   * A send to a member whose socket is gone: kept for its session while its client may resume it (sent on no socket
   * before `hold` lets it go); false if it has none.
   */
  keepFor(id: string, frame: OutgoingFrame, hold: HoldSend | null = null): boolean {
    if (!this.#sessions.anyRoute) return false;
    const found = this.#sessions.store.store.resumableOf(id);
    if (found === undefined) return false;
    if (hold !== null && this.sendWhenReleased(hold, found.session, id, found.route, frame)) return true;
    this.#keepWhileAway(found.session, found.route, frame);
    return true;
  }

  /**
   * A direct message for session `session` (member `id`) that `hold` holds back for the room's order, behind this
   * shard's own broadcasts on their way: numbered and kept in storage at once, so that a reset of the shard meanwhile
   * loses nothing, and left out of a replay until it is let go; then sent on the socket that carries the session, if
   * any (else its client gets it when it resumes). False when nothing is held back: send it as usual. `route` bounds
   * what is kept for a client that is away (null when a socket carries the session).
   */
  sendWhenReleased(hold: HoldSend, session: string, id: string, route: string | null, frame: OutgoingFrame): boolean {
    let release = (): void => undefined;
    const held = hold(() => release());
    if (held === false) return false;
    const sessions = this.#sessions.store;
    const kept = sessions.keepHeld(session, frame, held.behind);
    const socket = this.#carrying(id, session);
    if (socket !== undefined) this.#closeIfTooFarBehind(socket, session);
    else if (route !== null) this.#endIfTooFarBehind(session, route);
    release = () => {
      sessions.released(session, kept);
      const carrying = this.#carrying(id, session);
      if (carrying !== undefined) this.#deps.send(carrying, kept.envelope);
    };
    return true;
  }

  /** The open socket that carries a session, if any. */
  #carrying(id: string, session: string): WebSocket | undefined {
    return this.#deps.ctx
      .getWebSockets(id)
      .find((socket) => socket.readyState === OPEN && this.#sessions.sessionOf(socket) === session);
  }

  /**
   * Keeps a message for a session whose client is away; one that falls too far behind ends (its client is told
   * `expired`).
   */
  #keepWhileAway(session: string, route: string, frame: OutgoingFrame): void {
    this.#sessions.store.direct(session, frame);
    this.#endIfTooFarBehind(session, route);
  }

  #closeIfTooFarBehind(socket: WebSocket, session: string): void {
    const options = this.#optionsOf(socket);
    if (options !== null && this.#sessions.store.directBacklogOver(session, options)) this.#tooFarBehind(socket);
  }

  #endIfTooFarBehind(session: string, route: string): void {
    const options = this.#deps.sessionsOf(route);
    if (options === null || !this.#sessions.store.directBacklogOver(session, options)) return;
    this.#sessions.end(session);
  }

  /** Whether a session member is too far behind in a room's history (then it is closed, to resume later). */
  roomBacklogOver(socket: WebSocket, id: string, room: string, offset: number): boolean {
    const options = this.#optionsOf(socket);
    if (options === null || !this.#sessions.store.roomBacklogOver(id, room, offset, options)) return false;
    this.#tooFarBehind(socket);
    return true;
  }

  /**
   * A broadcast at `position` in a room's history was sent to a session member: acknowledgements up to it are its
   * client's to make.
   */
  sent(id: string, room: string, position: LogPosition): void {
    this.#sessions.store.sent(id, room, position);
  }

  /** The envelope of a broadcast for session members. */
  envelope(room: string | null, position: LogPosition | null, frame: OutgoingFrame): string {
    return this.#sessions.store.broadcastEnvelope(room ?? "", position, frame);
  }

  /** The session settings of a socket's route, read from its record once per socket. */
  #optionsOf(socket: WebSocket): ResolvedSessions | null {
    let options = this.#options.get(socket);
    if (options === undefined) {
      const record = this.#deps.recordOf(socket);
      options = record === null ? null : this.#deps.sessionsOf(record.route);
      this.#options.set(socket, options);
    }
    return options;
  }

  /** Closes a client too far behind; a dormant connection's handler runs again, for its disconnect path. */
  #tooFarBehind(socket: WebSocket): void {
    this.#deps.connectionOf(socket)?.closeForLibrary(TOO_FAR_BEHIND);
  }
}
