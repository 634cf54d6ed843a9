import { OPEN } from "../../src/shared/ready-state.js";
import type { ResumeRequest } from "../../src/shared/session-protocol.js";
import type { Connection } from "../connection/connection.js";
import type { ConnectionRecord } from "../connection/record.js";
import type { Ending } from "../connection/state.js";
import type { HeldSessions, SessionDeps } from "./held-sessions.js";
import type { Recovery } from "./sessions.js";
import { SUPERSEDED } from "./sessions.js";

/**
 * The server's closes after which a session may be resumed: a restart (1012), come back later (1013),
 * and a connection closed for its silence (3008: the client may come back over another network).
 */
const SERVER_CLOSES_THAT_CONTINUE = new Set([1012, 1013, 3008]);

/**
 * How a room object's connections carry sessions: recovery at upgrade, the welcome and replay at
 * accept, the session's state kept as it changes, and what a connection's end means for its session.
 */
export class SessionLinks {
  readonly #deps: SessionDeps;
  readonly #sessions: HeldSessions;

  constructor(deps: SessionDeps, sessions: HeldSessions) {
    this.#deps = deps;
    this.#sessions = sessions;
  }

  /** An upgrade that claimed a session was refused: the session waits for its client again. */
  release(recovery: Recovery | null): void {
    if (recovery === null || !("session" in recovery)) return;
    this.#sessions.store.release(recovery);
    this.#sessions.changed();
  }

  /** The session an upgrade asks to resume; the record takes back its id, data and rooms when it can. */
  recover(resume: ResumeRequest, record: ConnectionRecord): { recovery: Recovery; record: ConnectionRecord } {
    const options = this.#deps.sessionsOf(record.route);
    if (options === null) throw new Error(`The route ${record.route} has no sessions`);
    const recovery = this.#sessions.store.recover(resume, record.route, options);
    // Recovering ends the sessions found expired: counted again.
    this.#sessions.changed();
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
    const { session, frames } = this.#sessions.store.open(connection.socket, opening, recovery);
    connection.startSession(session);
    this.#sessions.changed();
    return { tags: this.#sessions.tags.tagsFor(session), frames };
  }

  /** Closes every open session connection here (their clients resume). */
  closeAll(code: number, reason: string): void {
    if (!this.#sessions.anyRoute) return;
    for (const socket of this.#deps.ctx.getWebSockets()) {
      if (socket.readyState === OPEN && this.#sessions.sessionOf(socket) !== null)
        this.#deps.connectionOf(socket)?.closeUnder(code, reason);
    }
  }

  /** A session connection's data or rooms changed while it is open: its session keeps them for a resume. */
  changed(connection: Connection): void {
    const { record } = connection;
    if (record.session !== null && connection.isOpen)
      this.#sessions.store.store.saveState(record.session, { data: record.data, rooms: record.rooms });
  }

  /** A session connection joined or left a room: its session keeps its rooms, and where the room's history stood. */
  membershipChanged(connection: Connection, room: string, joined: boolean): void {
    if (connection.record.session === null) return;
    this.changed(connection);
    this.#sessions.store.joined(connection.record.session, room, joined);
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
    const expiresAt =
      options === null ? null : this.#sessions.store.closed(record.session, record.id, continues, options);
    if (expiresAt !== null) this.#deps.wakeAt(expiresAt);
    this.#sessions.changed();
    return expiresAt !== null;
  }
}
