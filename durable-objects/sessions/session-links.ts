import type { ResolvedHeartbeat, ResolvedSessions } from "../../src/shared/route-options.js";
import { OPEN } from "../../src/shared/ready-state.js";
import type { LogPosition, ResumeRequest } from "../../src/shared/session-protocol.js";
import { parseClientFrame, payloadData } from "../../src/shared/session-protocol.js";
import type { Connection, Ending } from "../connection/connection.js";
import type { Frame, OutgoingFrame } from "../connection/frames.js";
import type { Violation } from "../connection/inbound-limits.js";
import type { Delivery } from "../connection/outbox.js";
import type { ConnectionRecord, RecordView } from "../connection/record.js";
import { heldIds } from "../connection/socket-list.js";
import type { DroppedMember } from "./session-store.js";
import { SessionTags } from "./session-tags.js";
import type { Recovery, SessionSource } from "./sessions.js";
import { SUPERSEDED, Sessions, encode } from "./sessions.js";

/** What the sessions layer needs from its room object. */
export interface SessionDeps {
  readonly ctx: DurableObjectState;
  readonly source: SessionSource;
  /** The connection whose handler runs on a socket, if any. */
  running(socket: WebSocket): Connection | undefined;
  /** The connection of a socket, its handler rerun if it was dormant. */
  connectionOf(socket: WebSocket): Connection | undefined;
  /** A socket's record, its handler running or dormant. */
  recordOf(socket: WebSocket): RecordView | null;
  /** Sends within the socket's outbound budget. */
  send(socket: WebSocket, frame: OutgoingFrame): Delivery;
  /** A route's session settings. */
  sessionsOf(route: string): ResolvedSessions | null;
  /** A route's heartbeat, told to its session clients in the welcome. */
  heartbeatOf(route: string): ResolvedHeartbeat | null;
  /** Wake the object (its alarm) at `time`: sessions expire then. */
  wakeAt(time: number): void;
  /** Sessions began, ended, or lost or regained their socket. */
  sessionsChanged(): void;
  /** Sessions whose sockets vanished in a reset (no close event came) were found, and may resume. */
  orphaned(members: readonly DroppedMember[]): void;
}

/**
 * The server's closes after which a session may be resumed: a restart (1012), come back later (1013),
 * and a connection closed for its silence (3008: the client may come back over another network).
 */
const SERVER_CLOSES_THAT_CONTINUE = new Set([1012, 1013, 3008]);

/** A session client sent a frame that is not one of the protocol's. */
const INVALID_SESSION_FRAME: Violation = { code: 1007, reason: "Invalid session frame: see the session protocol" };
const TOO_FAR_BEHIND: Violation = {
  code: 1013,
  reason: "Too far behind: acknowledge what you receive, and resume to catch up",
};

/**
 * How a room object's connections carry sessions: recovery at upgrade, the welcome and replay at
 * accept, the protocol's frames both ways, the session's state kept as it changes, and what a
 * connection's end means for its session. The sessions' storage is made on first use, so a plain app
 * never touches the SQL storage for them.
 */
export class SessionLinks {
  readonly #deps: SessionDeps;
  /** Whether any route has sessions (else no dormant socket can carry one). */
  readonly #anyRoute: boolean;
  readonly #tags: SessionTags;
  #sessions: Sessions | null = null;
  readonly #options = new WeakMap<WebSocket, ResolvedSessions | null>();
  /** Per connection: the ids of its client's messages waiting in its queue. */
  readonly #queued = new WeakMap<Connection, Set<string>>();
  /** The sessions' counts, until they change. */
  #counts: { sessions: number; resumable: number } | null = null;

  constructor(deps: SessionDeps, anyRoute: boolean) {
    this.#deps = deps;
    this.#tags = new SessionTags(deps.ctx);
    this.#anyRoute = anyRoute;
  }

  /**
   * The object's sessions. On first use after the object starts, sessions whose sockets vanished in a
   * reset (no close event came) are given their window from now, and the alarm to end them.
   */
  get store(): Sessions {
    if (this.#sessions !== null) return this.#sessions;
    const sessions = (this.#sessions = new Sessions(this.#deps.ctx.storage.sql, this.#deps.source, this.#tags));
    const now = Date.now();
    const adopted = sessions.store.adoptOrphans(
      () => heldIds(this.#deps.ctx),
      (route) => now + (this.#deps.sessionsOf(route)?.window ?? 0),
    );
    if (adopted.length === 0) return sessions;
    const next = sessions.store.nextExpiry();
    if (next !== null) this.#deps.wakeAt(next);
    this.#deps.orphaned(adopted);
    this.#changed();
    return sessions;
  }

  /** The alarm fired: sessions whose window has passed end. Returns when the next one will, if any. */
  sweep(now: number): number | null {
    if (!this.#anyRoute) return null;
    if (this.store.store.sweep(now) > 0) this.#changed();
    return this.store.store.nextExpiry();
  }

  /**
   * How many sessions this object holds (their sockets open or gone), and how many of those can be
   * resumed: a shard keeps receiving its room's stream while it holds any, and keeps a place for each.
   */
  counts(): { sessions: number; resumable: number } {
    if (!this.#anyRoute) return { sessions: 0, resumable: 0 };
    return (this.#counts ??= this.store.store.counts(Date.now()));
  }

  /**
   * A shard applied a broadcast of a room with history: its copy, kept while it holds sessions (which replay from it),
   * takes it.
   */
  copied(room: string, position: LogPosition, frame: OutgoingFrame, exclude: readonly string[]): void {
    if (this.counts().sessions > 0) this.store.copied(room, position, frame, exclude);
  }

  /** A shard applied the start of a room's history anew: so does its copy. */
  restarted(room: string, head: LogPosition): void {
    if (this.counts().sessions > 0) this.store.restarted(room, head);
  }

  /** The members whose session client is away and may resume here, with their data and rooms. */
  dropped(): readonly DroppedMember[] {
    return this.#anyRoute ? this.store.store.dropped() : [];
  }

  /** When the next session expires, for the object's alarm after a wake. */
  nextExpiry(): number | null {
    return this.#anyRoute ? this.store.store.nextExpiry() : null;
  }

  /** The session a socket's connection carries, or null for a plain client. */
  sessionOf(socket: WebSocket): string | null {
    const running = this.#deps.running(socket);
    if (running !== undefined) return running.record.session;
    return this.#anyRoute ? this.#tags.sessionOf(socket) : null;
  }

  /** An upgrade that claimed a session was refused: the session waits for its client again. */
  release(recovery: Recovery | null): void {
    if (recovery === null || !("session" in recovery)) return;
    this.store.release(recovery);
    this.#changed();
  }

  /** The session an upgrade asks to resume; the record takes back its id, data and rooms when it can. */
  recover(resume: ResumeRequest, record: ConnectionRecord): { recovery: Recovery; record: ConnectionRecord } {
    const options = this.#deps.sessionsOf(record.route);
    if (options === null) throw new Error(`The route ${record.route} has no sessions`);
    const recovery = this.store.recover(resume, record.route, options);
    // Recovering ends the sessions found expired: counted again.
    this.#changed();
    if (!("session" in recovery)) return { recovery, record };
    const { connection: id, state } = recovery.session;
    return { recovery, record: { ...record, id, data: state.data, rooms: [...state.rooms] } };
  }

  /**
   * Starts or resumes the session of a connection being accepted: an older socket still carrying the
   * session is closed (its client has moved on), and the welcome and replay are made.
   */
  open(connection: Connection, recovery: Recovery | null): { tags: string[]; frames: string[] } {
    const { record } = connection;
    if (recovery !== null && "session" in recovery) {
      for (const old of this.#deps.ctx.getWebSockets(record.id)) {
        const previous = this.#deps.connectionOf(old);
        if (previous !== undefined && previous !== connection) previous.supersede(SUPERSEDED.code, SUPERSEDED.reason);
      }
    }
    const options = this.#deps.sessionsOf(record.route);
    if (options === null) throw new Error(`The route ${record.route} has no sessions`);
    const heartbeat = this.#deps.heartbeatOf(record.route);
    const opening = {
      id: record.id,
      route: record.route,
      state: { data: record.data, rooms: record.rooms },
      address: record.clientHost,
      options,
      heartbeat,
    };
    const { session, frames } = this.store.open(connection.socket, opening, recovery);
    connection.startSession(session);
    this.#changed();
    return { tags: this.#tags.tagsFor(session), frames };
  }

  /** Closes every open session connection here (their clients resume). */
  closeAll(code: number, reason: string): void {
    if (!this.#anyRoute) return;
    for (const socket of this.#deps.ctx.getWebSockets()) {
      if (socket.readyState === OPEN && this.sessionOf(socket) !== null)
        this.#deps.connectionOf(socket)?.closeUnder(code, reason);
    }
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
    const sessions = this.store;
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
    const delivery = this.#deps.send(socket, this.store.direct(session, frame));
    const options = this.#optionsOf(socket);
    if (options !== null && this.store.directBacklogOver(session, options)) this.#tooFarBehind(socket);
    return delivery;
  }

  /**
   * A send for a session whose connection's socket is gone (its client dropped, or a newer connection
   * carries the session on): kept, numbered, for the client to get when it resumes, and sent at once
   * if a newer socket carries the session. False if the session has ended.
   */
  keep(connection: Connection, frame: OutgoingFrame): boolean {
    const { session, id } = connection.record;
    if (session === null || !this.store.store.holds(session)) return false;
    const newer = this.#deps.ctx
      .getWebSockets(id)
      .find((socket) => socket.readyState === OPEN && this.sessionOf(socket) === session);
    if (newer !== undefined) this.sendDirect(newer, session, frame);
    else this.#keepWhileAway(session, connection.record.route, frame);
    return true;
  }

  /**
   * A send to a member whose socket is gone: kept for its session while its client may resume it; false if it has
   * none.
   */
  keepFor(id: string, frame: OutgoingFrame): boolean {
    if (!this.#anyRoute) return false;
    const found = this.store.store.resumableOf(id);
    if (found === undefined) return false;
    this.#keepWhileAway(found.session, found.route, frame);
    return true;
  }

  /**
   * Ends a dropped session to make room for a new connection: the client's own oldest, else (with `anyAddress`) the
   * room's.
   */
  endOldestDropped(address: string | null, anyAddress: boolean): boolean {
    if (!this.#anyRoute || !this.store.endOldestDropped(address, anyAddress)) return false;
    this.#changed();
    return true;
  }

  /**
   * Keeps a message for a session whose client is away; one that falls too far behind ends (its client is told
   * `expired`).
   */
  #keepWhileAway(session: string, route: string, frame: OutgoingFrame): void {
    this.store.direct(session, frame);
    const options = this.#deps.sessionsOf(route);
    if (options === null || !this.store.directBacklogOver(session, options)) return;
    this.store.end(session);
    this.#changed();
  }

  /** Whether a session member is too far behind in a room's history (then it is closed, to resume later). */
  roomBacklogOver(socket: WebSocket, id: string, room: string, offset: number): boolean {
    const options = this.#optionsOf(socket);
    if (options === null || !this.store.roomBacklogOver(id, room, offset, options)) return false;
    this.#tooFarBehind(socket);
    return true;
  }

  /**
   * A broadcast at `position` in a room's history was sent to a session member: acknowledgements up to it are its
   * client's to make.
   */
  sent(id: string, room: string, position: LogPosition): void {
    this.store.sent(id, room, position);
  }

  /** The envelope of a broadcast for session members. */
  envelope(room: string | null, position: LogPosition | null, frame: OutgoingFrame): string {
    return this.store.broadcastEnvelope(room ?? "", position, frame);
  }

  /** A session connection's data or rooms changed while it is open: its session keeps them for a resume. */
  changed(connection: Connection): void {
    const { record } = connection;
    if (record.session !== null && connection.isOpen)
      this.store.store.saveState(record.session, { data: record.data, rooms: record.rooms });
  }

  /** A session connection joined or left a room: its session keeps its rooms, and where the room's history stood. */
  membershipChanged(connection: Connection, room: string, joined: boolean): void {
    if (connection.record.session === null) return;
    this.changed(connection);
    this.store.joined(connection.record.session, room, joined);
  }

  /**
   * A connection stopped being open. Its session continues, to be resumed, when its client dropped or
   * the server closed it in a way that invites a resume (SERVER_CLOSES_THAT_CONTINUE); it ends when
   * either side closes it for good. Returns whether the session goes on.
   */
  ended(connection: Connection, ending: Ending): boolean {
    const { record } = connection;
    if (record.session === null) return false;
    if (connection.superseded) return true;
    const continues = ending.byClient
      ? ending.code !== 1000 && ending.code !== 1001
      : SERVER_CLOSES_THAT_CONTINUE.has(ending.code);
    const options = this.#deps.sessionsOf(record.route);
    const expiresAt = options === null ? null : this.store.closed(record.session, record.id, continues, options);
    if (expiresAt !== null) this.#deps.wakeAt(expiresAt);
    this.#changed();
    return expiresAt !== null;
  }

  #changed(): void {
    this.#counts = null;
    this.#deps.sessionsChanged();
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
