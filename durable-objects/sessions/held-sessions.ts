import type { ResolvedHeartbeat, ResolvedSessions } from "../../src/shared/route-options.js";
import type { LogPosition } from "../../src/shared/session-protocol.js";
import type { Connection } from "../connection/connection.js";
import type { OutgoingFrame } from "../connection/frames.js";
import type { Delivery } from "../connection/outbox.js";
import type { RecordView } from "../connection/record.js";
import { heldIds } from "../connection/socket-list.js";
import type { DroppedMember } from "./session-store.js";
import { SessionTags } from "./session-tags.js";
import type { SessionSource } from "./sessions.js";
import { Sessions } from "./sessions.js";

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
 * The sessions a room object holds, as a whole: their storage, made on first use (so a plain app never touches the
 * SQL storage for them), how many there are, which socket carries which, and their ends (their window passed, or
 * room made for a new connection). In a shard, the copies of its rooms' histories that they replay from.
 */
export class HeldSessions {
  /** Whether any route has sessions (else no dormant socket can carry one). */
  readonly anyRoute: boolean;
  readonly tags: SessionTags;
  readonly #deps: SessionDeps;
  #sessions: Sessions | null = null;
  /** The sessions' counts, until they change. */
  #counts: { sessions: number; resumable: number } | null = null;

  constructor(deps: SessionDeps, anyRoute: boolean) {
    this.#deps = deps;
    this.tags = new SessionTags(deps.ctx);
    this.anyRoute = anyRoute;
  }

  /**
   * The object's sessions. On first use after the object starts, sessions whose sockets vanished in a
   * reset (no close event came) are given their window from now, and the alarm to end them.
   */
  get store(): Sessions {
    if (this.#sessions !== null) return this.#sessions;
    const sessions = (this.#sessions = new Sessions(this.#deps.ctx.storage.sql, this.#deps.source, this.tags));
    const now = Date.now();
    const adopted = sessions.store.adoptOrphans(
      () => heldIds(this.#deps.ctx),
      (route) => now + (this.#deps.sessionsOf(route)?.window ?? 0),
    );
    if (adopted.length === 0) return sessions;
    const next = sessions.store.nextExpiry();
    if (next !== null) this.#deps.wakeAt(next);
    this.#deps.orphaned(adopted);
    this.changed();
    return sessions;
  }

  /** The alarm fired: sessions whose window has passed end. Returns when the next one will, if any. */
  sweep(now: number): number | null {
    if (!this.anyRoute) return null;
    if (this.store.store.sweep(now) > 0) this.changed();
    return this.store.store.nextExpiry();
  }

  /**
   * How many sessions this object holds (their sockets open or gone), and how many of those can be
   * resumed: a shard keeps receiving its room's stream while it holds any, and keeps a place for each.
   */
  counts(): { sessions: number; resumable: number } {
    if (!this.anyRoute) return { sessions: 0, resumable: 0 };
    return (this.#counts ??= this.store.store.counts(Date.now()));
  }

  /**
   * A shard applied a broadcast of a room with history: its copy, kept while it holds sessions (which replay from it),
   * takes it.
   */
  copied(room: string, position: LogPosition, place: number, frame: OutgoingFrame, exclude: readonly string[]): void {
    if (this.counts().sessions > 0) this.store.copied(room, position, place, frame, exclude);
  }

  /** A shard applied the start of a room's history anew: so does its copy. */
  restarted(room: string, head: LogPosition): void {
    if (this.counts().sessions > 0) this.store.restarted(room, head);
  }

  /** The members whose session client is away and may resume here, with their data and rooms. */
  dropped(): readonly DroppedMember[] {
    return this.anyRoute ? this.store.store.dropped() : [];
  }

  /** When the next session expires, for the object's alarm after a wake. */
  nextExpiry(): number | null {
    return this.anyRoute ? this.store.store.nextExpiry() : null;
  }

  /** The session a socket's connection carries, or null for a plain client. */
  sessionOf(socket: WebSocket): string | null {
    const running = this.#deps.running(socket);
    if (running !== undefined) return running.record.session;
    return this.anyRoute ? this.tags.sessionOf(socket) : null;
  }

  /**
   * Ends a dropped session to make room for a new connection: the client's own oldest, else (with `anyAddress`) the
   * room's.
   */
  endOldestDropped(address: string | null, anyAddress: boolean): boolean {
    if (!this.anyRoute || !this.store.endOldestDropped(address, anyAddress)) return false;
    this.changed();
    return true;
  }

  /** Ends a session: its client is told `expired` when it comes back. */
  end(session: string): void {
    this.store.end(session);
    this.changed();
  }

  /** Sessions began, ended, or lost or regained their socket: counted again. */
  changed(): void {
    this.#counts = null;
    this.#deps.sessionsChanged();
  }
}
