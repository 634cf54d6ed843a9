import type { LogPosition, ResumeRequest } from "../src/shared/session-protocol.js";
import { parseClientFrame, payloadData } from "../src/shared/session-protocol.js";
import type { Connection, Ending } from "./connection.js";
import { heldConnectionIds } from "./held-sockets.js";
import type { RoomHistory } from "./history.js";
import type { Violation } from "./inbound-limits.js";
import type { Frame, OutgoingFrame } from "./message.js";
import type { Delivery } from "./outbox.js";
import type { ConnectionRecord } from "./record.js";
import type { Recovery, ResolvedSessions } from "./sessions.js";
import { SUPERSEDED, Sessions, encode } from "./sessions.js";

/** What the session side needs from its room object. */
export interface SessionHost {
  readonly ctx: DurableObjectState;
  /** The connection whose handler runs on a socket, if any. */
  running(socket: WebSocket): Connection | undefined;
  /** The connection of a socket, its handler run again if it was dormant. */
  connectionOf(socket: WebSocket): Connection | undefined;
  /** A socket's record, its handler running or dormant. */
  recordOf(socket: WebSocket): ConnectionRecord | null;
  /** Sends within the socket's outbound budget. */
  send(socket: WebSocket, frame: OutgoingFrame): Delivery;
  /** A route's session settings. */
  sessionsOf(route: string): ResolvedSessions | null;
  /** The library closes a connection, with its reason logged. */
  closeForLibrary(connection: Connection, code: number, reason: string): void;
  /** Wake the object (its alarm) at `time`: sessions expire then. */
  wakeAt(time: number): void;
  /** This object's shard, when it is one of a room that spans several objects. */
  readonly shard: number | null;
  /** The object's room logs. */
  readonly history: RoomHistory;
  /** Sessions began, ended, or lost or regained their socket: a shard tells its sequencer. */
  sessionsChanged(): void;
}

/** A session client sent a frame that is not one of the protocol's. */
const INVALID_SESSION_FRAME: Violation = { code: 1007, reason: "Invalid session frame: see the session protocol" };
const TOO_FAR_BEHIND = "Too far behind: acknowledge what you receive, and resume to catch up";

/**
 * How a room object's connections carry sessions: recovery at upgrade, the welcome and replay at
 * accept, the protocol's frames both ways, the session's state kept as it changes, and what a
 * connection's end means for its session. The room logs and the sessions' storage are made on first
 * use, so a plain app never touches the SQL storage for them.
 */
export class SessionLinks {
  readonly #host: SessionHost;
  /** Whether any route has sessions (else no dormant socket can carry one). */
  readonly #anyRoute: boolean;
  #sessions: Sessions | null = null;
  readonly #options = new WeakMap<WebSocket, ResolvedSessions | null>();
  /** The sessions' counts, until they change. */
  #counts: { sessions: number; resumable: number } | null = null;

  constructor(host: SessionHost, anyRoute: boolean) {
    this.#host = host;
    this.#anyRoute = anyRoute;
  }

  /**
   * The object's sessions and room logs. On first use after the object starts, sessions whose sockets
   * vanished in a reset (no close event came) are given their window from now, and the alarm to end them.
   */
  get store(): Sessions {
    if (this.#sessions !== null) return this.#sessions;
    const sessions = (this.#sessions = new Sessions(this.#host.ctx, this.#host.shard, this.#host.history));
    const now = Date.now();
    const adopted = sessions.store.adoptOrphans(heldConnectionIds(this.#host.ctx), (route) => now + (this.#host.sessionsOf(route)?.window ?? 0));
    const next = adopted > 0 ? sessions.store.nextExpiry() : null;
    if (next !== null) this.#host.wakeAt(next);
    if (adopted > 0) this.#changed();
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

  /** A shard applied a broadcast of a room with history: its copy of the log, kept while it holds sessions (which replay from it), takes it. */
  copied(room: string, position: LogPosition, frame: OutgoingFrame, exclude: readonly string[]): void {
    if (this.counts().sessions > 0) this.store.copied(room, position, frame, exclude);
  }

  /** A shard applied the start of a room's log anew: so does its copy. */
  restarted(room: string, head: LogPosition): void {
    if (this.counts().sessions > 0) this.store.restarted(room, head);
  }

  #changed(): void {
    this.#counts = null;
    // A shard without sessions stops receiving the stream: its copies would go stale, and no one needs them.
    if (this.#host.shard !== null && this.counts().sessions === 0) this.#host.history.dropAll();
    this.#host.sessionsChanged();
  }

  /** When the next session expires, for the object's alarm after a wake. */
  nextExpiry(): number | null {
    return this.#anyRoute ? this.store.store.nextExpiry() : null;
  }

  /** The session a socket's connection carries, or null for a plain client. */
  sessionOf(socket: WebSocket): string | null {
    const running = this.#host.running(socket);
    if (running !== undefined) return running.record.session;
    return this.#anyRoute ? this.store.sessionOf(socket) : null;
  }

  /** An upgrade that claimed a session was refused: the session waits for its client again. */
  release(recovery: Recovery | null): void {
    if (recovery === null || !("session" in recovery)) return;
    this.store.release(recovery);
    this.#changed();
  }

  /** The session an upgrade asks to resume; the record takes back its id, data and rooms when it can. */
  recover(resume: ResumeRequest, record: ConnectionRecord): { recovery: Recovery; record: ConnectionRecord } {
    const recovery = this.store.recover(resume, record.route);
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
      for (const old of this.#host.ctx.getWebSockets(record.id)) {
        const previous = this.#host.connectionOf(old);
        if (previous === undefined || previous === connection) continue;
        previous.superseded = true;
        previous.closeUnder(SUPERSEDED.code, SUPERSEDED.reason);
      }
    }
    const { session, frames } = this.store.open(connection.socket, record.id, record.route, { data: record.data, rooms: record.rooms }, recovery);
    record.session = session;
    connection.persist();
    this.#changed();
    return { tags: this.store.tagsFor(session), frames };
  }

  /** A frame from a session client: a message for the handler (processed once), or an acknowledgement. */
  receive(connection: Connection, session: string, frame: Frame): Violation | undefined {
    const parsed = parseClientFrame(frame);
    if (parsed === null) return INVALID_SESSION_FRAME;
    const sessions = this.store;
    if (parsed.t === "a") {
      const violation = connection.checkInbound(frame);
      if (violation === undefined) sessions.acknowledge(session, connection.record, parsed.s, parsed.r);
      return violation;
    }
    const acknowledge = (): void => void this.#host.send(connection.socket, encode({ t: "k", id: parsed.id }));
    if (sessions.store.processed(session, parsed.id)) {
      acknowledge();
      return connection.checkInbound(frame);
    }
    return connection.deliver(frame, payloadData(parsed), () => {
      sessions.store.remember(session, parsed.id, Date.now());
      acknowledge();
    });
  }

  /**
   * A direct message for a session client: numbered, kept until acknowledged; a client too far behind
   * is closed (its handler running or dormant), so what is kept for it stays bounded.
   */
  sendDirect(socket: WebSocket, session: string, frame: OutgoingFrame): Delivery {
    const delivery = this.#host.send(socket, this.store.direct(session, frame));
    const options = this.#optionsOf(socket);
    if (options !== null && this.store.directBacklogOver(session, options)) this.#tooFarBehind(socket);
    return delivery;
  }

  /** Whether a session member is too far behind in a room's log (then it is closed, to resume later). */
  roomBacklogOver(socket: WebSocket, id: string, room: string, offset: number): boolean {
    const options = this.#optionsOf(socket);
    if (options === null || !this.store.roomBacklogOver(id, room, offset, options)) return false;
    this.#tooFarBehind(socket);
    return true;
  }

  /** The session settings of a socket's route, read from its record once per socket. */
  #optionsOf(socket: WebSocket): ResolvedSessions | null {
    let options = this.#options.get(socket);
    if (options === undefined) {
      const record = this.#host.recordOf(socket);
      options = record === null ? null : this.#host.sessionsOf(record.route);
      this.#options.set(socket, options);
    }
    return options;
  }

  /** Closes a client too far behind; a dormant connection's handler runs again, for its disconnect path. */
  #tooFarBehind(socket: WebSocket): void {
    const connection = this.#host.connectionOf(socket);
    if (connection !== undefined) this.#host.closeForLibrary(connection, 1013, TOO_FAR_BEHIND);
  }

  /** The envelope of a broadcast for session members. */
  envelope(room: string, position: LogPosition | null, frame: OutgoingFrame): string {
    return this.store.broadcastEnvelope(room, position, frame);
  }

  /** A session connection's data or rooms changed while it is open: its session keeps them for a resume. */
  changed(connection: Connection): void {
    const { record } = connection;
    if (record.session !== null && connection.isOpen) this.store.store.saveState(record.session, { data: record.data, rooms: record.rooms });
  }

  /** A session connection joined or left a room: remember where the room's log stood. */
  joined(connection: Connection, room: string, joining: boolean): void {
    if (connection.record.session !== null) this.store.joined(connection.record.session, room, joining);
  }

  /**
   * A connection stopped being open. Its session continues, to be resumed, when its client dropped or
   * the server restarts (1012) or asks it to come back later (1013); it ends when either side closes
   * it for good.
   */
  ended(connection: Connection, ending: Ending): void {
    const { record } = connection;
    if (record.session === null || connection.superseded) return;
    const continues = ending.byClient ? ending.code !== 1000 && ending.code !== 1001 : ending.code === 1012 || ending.code === 1013;
    const options = this.#host.sessionsOf(record.route);
    const expiresAt = options === null ? null : this.store.closed(record.session, record.id, continues, options);
    if (expiresAt !== null) this.#host.wakeAt(expiresAt);
    this.#changed();
  }
}
