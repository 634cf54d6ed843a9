import { MAX_CLOSE_REASON_BYTES } from "../../src/shared/close-code.js";
import type {
  ClientFrame,
  LogPosition,
  LostReason,
  ResumeRequest,
  ServerFrame,
  WelcomeRoom,
} from "../../src/shared/session-protocol.js";
import { truncateUtf8 } from "../../src/shared/utf8.js";
import { payloadOf } from "../../src/shared/session-protocol.js";
import type { ResolvedHeartbeat, ResolvedSessions } from "../../src/shared/route-options.js";
import type { OutgoingFrame } from "../connection/frames.js";
import type { Violation } from "../connection/inbound-limits.js";
import type { RoomHistory } from "../rooms/history.js";
import type { ResolvedHistory } from "../rooms/history-options.js";
import { historyOf } from "../rooms/room-registry.js";
import type { SessionState, StoredSession } from "./session-store.js";
import { NOT_IN_HISTORY_YET, SessionStore } from "./session-store.js";
import type { MissedBroadcast } from "./replay-order.js";
import { inSentOrder } from "./replay-order.js";
import type { SessionTags } from "./session-tags.js";

/** What a session is opened with: its connection's id, route, state and client address, and its route's settings. */
export interface Opening {
  readonly id: string;
  readonly route: string;
  readonly state: SessionState;
  readonly address: string | null;
  readonly options: ResolvedSessions;
  readonly heartbeat: ResolvedHeartbeat | null;
}

/** A client's acknowledgement, as the protocol's `a` frame carries it. */
export type Acknowledgement = Omit<Extract<ClientFrame, { t: "a" }>, "t">;

/** Closes a session client whose frames break the protocol's rules (1002). */
function protocolError(what: string): Violation {
  return { code: 1002, reason: truncateUtf8(`Protocol error: ${what}`, MAX_CLOSE_REASON_BYTES) };
}

/** What an upgrade that asked to resume a session found. */
export type Recovery =
  { readonly session: StoredSession; readonly resume: ResumeRequest } | { readonly lost: LostReason };

/** A direct message as kept: its number, the place of the last broadcast before it, its envelope. */
export interface KeptDirect {
  readonly seq: number;
  readonly after: number;
  readonly envelope: string;
}

/** Closes a session's older socket when the client has resumed on a new one. */
export const SUPERSEDED = { code: 3001, reason: "This session continues on a newer connection" } as const;

/** Where a session's ids and its replays come from, as the room object's kind of room has them. */
export interface SessionSource {
  /** Session ids start with this (a shard's ids name it, so that a resume finds its way back). */
  readonly idPrefix: string;
  /** The room histories a resume replays from (in a shard, copies of the sequencer's). */
  readonly history: RoomHistory;
  /** Where a room's history stands here; undefined while this object has not seen it start. */
  historyHead(room: string): LogPosition | undefined;
}

/**
 * The room object's sessions: recovery at upgrade time, the welcome and the replay of what a resumed
 * client missed, the envelopes a session client gets, and how far behind each is.
 */
export class Sessions {
  readonly store: SessionStore;
  readonly #source: SessionSource;
  readonly #tags: SessionTags;
  /**
   * Per connection id: the last offset its client acknowledged in each room, since the object woke (a
   * member not heard from since counts from the first broadcast it is sent).
   */
  readonly #acknowledged = new Map<string, Map<string, number>>();
  /** Per connection id: the last place sent to its client in each room's history, since the object woke. */
  readonly #sentPositions = new Map<string, Map<string, LogPosition>>();
  /** Per session: the direct messages kept but held back for the room's order (a shard's), not replayed yet. */
  readonly #held = new Map<string, Set<number>>();

  constructor(sql: SqlStorage, source: SessionSource, tags: SessionTags) {
    this.#source = source;
    this.#tags = tags;
    this.store = new SessionStore(sql);
  }

  /**
   * The session an upgrade asks to resume, if it can (same route, not expired). It is claimed at once:
   * held as if its new socket were there, so it neither expires nor counts as waiting for its client
   * while the handler decides; `release` gives it back if the upgrade is refused.
   *
   * What the client says it received counts as acknowledged. A session still too far behind on its
   * direct messages after that ends here (`expired`): closed with 1013 for it, its client must take
   * what it was sent before it resumes, or every resume would let the session keep one more.
   */
  recover(resume: ResumeRequest, route: string, options: ResolvedSessions): Recovery {
    const now = Date.now();
    this.store.sweep(now);
    const found = this.store.find(resume.session, now);
    if (found === undefined) return { lost: "expired" };
    if (found.route !== route) return { lost: "unknown" };
    this.store.messages.acknowledged(found.id, resume.seq);
    if (this.directBacklogOver(found.id, options)) {
      this.end(found.id);
      return { lost: "expired" };
    }
    this.store.attach(found.id);
    return { session: found, resume };
  }

  /** An upgrade that claimed a session was refused: the session waits for its client again, as before. */
  release(recovery: Recovery): void {
    if ("session" in recovery && recovery.session.expiresAt !== null)
      this.store.detach(recovery.session.id, recovery.session.expiresAt);
  }

  /**
   * Starts or resumes a session for an accepted socket; returns the frames to send first (welcome,
   * replay). A new session from an address that has left `maxResumablePerClient` dropped sessions
   * here already ends the oldest of them.
   */
  open(socket: WebSocket, opening: Opening, recovery: Recovery | null): { session: string; frames: string[] } {
    const { id: connection, route, state, address, options } = opening;
    let recovered = recovery !== null && "session" in recovery ? recovery : null;
    let lost = recovery !== null && "lost" in recovery ? recovery.lost : undefined;
    // The session ended after it was claimed (its older socket was closed for good meanwhile): a new one.
    if (recovered !== null && !this.store.attach(recovered.session.id)) [recovered, lost] = [null, "expired"];
    let session: string;
    const replay: string[] = [];
    const rooms: Record<string, WelcomeRoom> = {};
    if (recovered === null) {
      // Only a known address is one client's: clients whose address is not known are never counted together.
      const dropped = address === null ? [] : this.store.resumable(Date.now(), address);
      for (const old of dropped.slice(0, Math.max(0, dropped.length - options.maxResumablePerClient + 1)))
        this.end(old);
      session = this.store.create(this.#source.idPrefix + crypto.randomUUID(), connection, route, state, address);
    } else {
      session = recovered.session.id;
      const missed: MissedBroadcast[] = [];
      for (const room of state.rooms) {
        const history = historyOf(room);
        // From where the client got to, but never from before the session joined the room.
        const from = laterOf(recovered.resume.rooms[room], recovered.session.joined[room]);
        const welcome = history === null ? undefined : this.#replayRoom(room, history, from, connection, missed);
        if (welcome !== undefined) rooms[room] = welcome;
      }
      const held = this.#held.get(session);
      const directs = this.store.messages
        .unacknowledged(session, recovered.resume.seq)
        .filter(({ seq }) => held?.has(seq) !== true)
        .map(({ seq, data, after }) => ({ after, frame: encode({ t: "m", s: seq, ...payloadOf(data) }) }));
      for (const frame of inSentOrder(missed, directs)) replay.push(frame);
    }
    this.#tags.carries(socket, session);
    for (const [room, { e, o }] of Object.entries(rooms)) this.sent(connection, room, { epoch: e, offset: o });
    const heartbeat =
      opening.heartbeat === null ? {} : { hb: { i: opening.heartbeat.intervalMs, t: opening.heartbeat.timeoutMs } };
    const welcome: ServerFrame = {
      t: "w",
      session,
      id: connection,
      recovered: recovered !== null,
      missed: replay.length,
      rooms,
      ...(lost === undefined ? {} : { lost }),
      ...heartbeat,
    };
    return { session, frames: [encode(welcome), ...replay] };
  }

  /** A direct message for a session client: kept until acknowledged, numbered. */
  direct(session: string, frame: OutgoingFrame): string {
    return this.keepDirect(session, frame).envelope;
  }

  /**
   * Keeps a direct message, numbered, with the place of the last broadcast before it (`behind`, when it waits for
   * broadcasts not applied here yet): a replay puts it after that.
   */
  keepDirect(session: string, frame: OutgoingFrame, behind = 0): KeptDirect {
    const after = Math.max(this.#source.history.lastPlace(), behind);
    const seq = this.store.messages.keep(session, frame, after);
    return { seq, after, envelope: encode({ t: "m", s: seq, ...payloadOf(frame) }) };
  }

  /**
   * Keeps a direct message held back for the room's order, behind broadcasts of which `behind` is the last place
   * (null while not known): a replay leaves it out until it is released.
   */
  keepHeld(session: string, frame: OutgoingFrame, behind: number | null): KeptDirect & { readonly placed: boolean } {
    const kept = { ...this.keepDirect(session, frame, behind ?? 0), placed: behind !== null };
    let held = this.#held.get(session);
    if (held === undefined) this.#held.set(session, (held = new Set()));
    held.add(kept.seq);
    return kept;
  }

  /** A held direct message goes out: a replay includes it from now on, after the broadcasts applied meanwhile. */
  released(session: string, kept: KeptDirect & { readonly placed: boolean }): void {
    const held = this.#held.get(session);
    held?.delete(kept.seq);
    if (held?.size === 0) this.#held.delete(session);
    if (kept.placed || !this.store.holds(session)) return;
    const after = this.#source.history.lastPlace();
    if (after > kept.after) this.store.messages.place(session, kept.seq, after);
  }

  /**
   * Ends the dropped session that would end soonest: of the client address given (none when it is
   * not known), else, with `anyAddress`, of any. Returns whether there was one (its client is told
   * `expired` if it comes back).
   */
  endOldestDropped(address: string | null, anyAddress: boolean): boolean {
    const now = Date.now();
    const own = address === null ? undefined : this.store.resumable(now, address)[0];
    const oldest = own ?? (anyAddress ? this.store.resumable(now)[0] : undefined);
    if (oldest === undefined) return false;
    this.end(oldest);
    return true;
  }

  /** Ends a session: what it kept goes. */
  end(session: string): void {
    this.#held.delete(session);
    this.store.end(session);
  }

  /** A broadcast at `position` in a room's history was sent to a session member's client. */
  sent(connection: string, room: string, position: LogPosition): void {
    let positions = this.#sentPositions.get(connection);
    if (positions === undefined) this.#sentPositions.set(connection, (positions = new Map()));
    positions.set(room, position);
  }

  /** Whether a session client has fallen too far behind on its direct messages, in count or in bytes. */
  directBacklogOver(session: string, options: ResolvedSessions): boolean {
    return (
      this.store.messages.unacknowledgedCount(session) > options.maxUnacknowledged ||
      this.store.messages.unacknowledgedBytes(session) > options.maxUnacknowledgedBytes
    );
  }

  /** Whether a session member has fallen too far behind in a room's history. */
  roomBacklogOver(connection: string, room: string, offset: number, options: ResolvedSessions): boolean {
    const offsets = this.#offsetsOf(connection);
    const acknowledged = offsets.get(room);
    if (acknowledged === undefined) {
      offsets.set(room, offset - 1);
      return false;
    }
    return offset - acknowledged > options.maxUnacknowledged;
  }

  /**
   * The client's acknowledgement: direct messages up to `seq`, each of its rooms' histories up to its
   * offset (in the epoch given, when it gives one). One beyond what was sent is a protocol error.
   */
  acknowledge(
    session: string,
    record: { readonly id: string; readonly rooms: readonly string[] },
    ack: Acknowledgement,
  ): Violation | undefined {
    // A direct message still held back for the room's order is numbered but not sent yet.
    const held = this.#held.get(session);
    const sentSeq = held === undefined ? this.store.messages.lastSeq(session) : Math.min(...held) - 1;
    if (ack.s > sentSeq) return protocolError(`acknowledged direct message ${ack.s}, but the last sent is ${sentSeq}`);
    const sent = this.#sentPositions.get(record.id);
    const offsets = this.#offsetsOf(record.id);
    // Only rooms it is in, and sent to since the object woke: names made up by the client would grow
    // these maps without bound, and after a wake what was sent before is not known.
    for (const room of record.rooms) {
      const offset = ack.r?.[room];
      const position = sent?.get(room);
      if (offset === undefined || position === undefined) continue;
      const epoch = ack.e?.[room];
      // An acknowledgement of a history since started anew (a clear) is for nothing kept.
      if (epoch !== undefined && epoch !== position.epoch) continue;
      if (offset > position.offset)
        return protocolError(
          `acknowledged offset ${offset} in room "${room}", but the last sent is ${position.offset}`,
        );
      offsets.set(room, offset);
    }
    this.store.messages.acknowledged(session, ack.s);
    return undefined;
  }

  #offsetsOf(connection: string): Map<string, number> {
    let offsets = this.#acknowledged.get(connection);
    if (offsets === undefined) this.#acknowledged.set(connection, (offsets = new Map()));
    return offsets;
  }

  /**
   * The connection is no longer open: its session continues (to be resumed) until the time returned, or ends (null).
   */
  closed(session: string, connection: string, continues: boolean, options: ResolvedSessions): number | null {
    this.#acknowledged.delete(connection);
    this.#sentPositions.delete(connection);
    if (!continues) {
      this.end(session);
      return null;
    }
    const expiresAt = Date.now() + options.window;
    this.store.detach(session, expiresAt);
    return expiresAt;
  }

  /** A session member joined (or left) a room: remember where its history stood, to replay from there on a resume. */
  joined(session: string, room: string, joining: boolean): void {
    if (historyOf(room) === null) return;
    this.store.setJoined(session, room, joining ? (this.#source.historyHead(room) ?? NOT_IN_HISTORY_YET) : null);
  }

  /** A shard applied a broadcast of a room with history (`place`: its place in the stream): its copy takes it. */
  copied(room: string, position: LogPosition, place: number, frame: OutgoingFrame, exclude: readonly string[]): void {
    const history = historyOf(room);
    if (history === null) return;
    // Members who joined before the copy began joined just before this broadcast.
    if (this.#source.history.copy(room, position, place, frame, history, exclude))
      this.store.settleJoins(room, { epoch: position.epoch, offset: position.offset - 1 });
  }

  /** A shard applied the start of a room's history anew (`clearHistory`): its copy starts anew too, at `head`. */
  restarted(room: string, head: LogPosition): void {
    if (historyOf(room) === null) return;
    this.#source.history.restart(room, head);
    // Members who joined before the copy began joined before the new history: all of it is theirs.
    this.store.settleJoins(room, head);
  }

  /** The envelope of a broadcast for session members: its place in the room's history, or unnumbered. */
  broadcastEnvelope(room: string, position: LogPosition | null, frame: OutgoingFrame): string {
    return encode(
      position === null
        ? { t: "u", ...payloadOf(frame) }
        : { t: "b", r: room, e: position.epoch, o: position.offset, ...payloadOf(frame) },
    );
  }

  /**
   * What a resumed client missed in a room, but for the broadcasts that left it out; the room's place
   * in the welcome (none from a shard that has seen no broadcast of the room yet).
   */
  #replayRoom(
    room: string,
    history: ResolvedHistory,
    position: LogPosition | undefined,
    connection: string,
    missed: MissedBroadcast[],
  ): WelcomeRoom | undefined {
    const head = this.#source.historyHead(room);
    if (head === undefined) return undefined;
    // No position, or a join no broadcast has followed here: nothing missed.
    if (position === undefined || position.epoch === NOT_IN_HISTORY_YET.epoch) return { e: head.epoch, o: head.offset };
    const since = this.#source.history.since(room, position, history);
    if ("lost" in since) return { e: head.epoch, o: head.offset, lost: since.lost };
    const entries = since.entries
      .filter(({ exclude }) => !exclude.includes(connection))
      .map(({ offset, place, data }) => ({
        place,
        frame: encode({ t: "b", r: room, e: head.epoch, o: offset, ...payloadOf(data) }),
      }));
    for (const entry of entries) missed.push(entry);
    return { e: head.epoch, o: head.offset };
  }
}

/** The later of the client's position in a room's history and where its history stood when its session joined. */
function laterOf(client: LogPosition | undefined, joined: LogPosition | undefined): LogPosition | undefined {
  if (client === undefined || joined === undefined) return client ?? joined;
  // A position in another epoch than the join's is after it (the history restarted since) or lost: `since` tells.
  return client.epoch === joined.epoch && client.offset < joined.offset ? joined : client;
}

export function encode(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
