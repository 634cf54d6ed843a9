import { assertCloseArguments } from "../../src/shared/close-code.js";
import type { ResolvedLimits } from "../../src/shared/limits.js";
import { WebSocketDisconnect, WebSocketError, endOfConnection } from "./errors.js";
import type { Convert, Ended, ReceiveOptions } from "./frame-queue.js";
import { FrameQueue } from "./frame-queue.js";
import type { Frame, OutgoingFrame } from "./frames.js";
import type { Handshake } from "./handshake.js";
import { HandshakeAnswer } from "./handshake.js";
import type { Violation } from "./inbound-limits.js";
import { InboundLimits, QUEUE_FULL } from "./inbound-limits.js";
import type { Logger } from "./logger.js";
import type { Delivery } from "./outbox.js";
import type { ConnectionRecord, RecordView } from "./record.js";
import { RecordKeeper } from "./record-keeper.js";
import type { CloseFrame, Ending } from "./state.js";
import { WebSocketState } from "./state.js";

/** What a connection needs from its room object. */
export interface ConnectionDeps {
  readonly logger: Logger;
  /**
   * The connection stopped being open (either side closed it): it is in no room any more. Called
   * once. Returns whether its session goes on (its client may resume it): then later sends are kept for it.
   */
  ended(connection: Connection, ending: Ending): boolean;
  /** Sends to this connection alone (numbered and kept, for a session), within its outbound budget. */
  send(connection: Connection, frame: OutgoingFrame): Delivery;
  /**
   * A send after the socket closed, for a session that goes on: kept for its resume. False if the session has ended
   * since.
   */
  keep(connection: Connection, frame: OutgoingFrame): boolean;
  /** The connection's `ws.data` changed while open: its session keeps it. */
  dataChanged(connection: Connection): void;
  /** A pending receive gives up at `deadline`: wake the object then (its alarm), even from hibernation. */
  wakeAt(deadline: number): void;
}

export interface ConnectionInit {
  readonly record: ConnectionRecord;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly headers: readonly (readonly [string, string])[];
  readonly socket: WebSocket;
  readonly deps: ConnectionDeps;
  readonly limits: ResolvedLimits;
  /** Present for a fresh upgrade; absent when the connection is rebuilt after hibernation (a rerun). */
  readonly handshake?: Handshake;
  /** For a fresh upgrade: whether the client offered the session protocol, and resumed a session. */
  readonly session?: { readonly offered: boolean; readonly recovered: boolean };
}

/**
 * One connection's state machine, behind the public `WebSocket` facade. It owns the server end of the
 * socket, the record kept in its attachment (its rooms and data change only through it) and the
 * queue its handler receives from.
 */
export class Connection {
  state: WebSocketState;
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The upgrade request's headers, lower-case names. */
  readonly headers: readonly (readonly [string, string])[];
  readonly socket: WebSocket;
  /** The handler runs again after hibernation, on a connection rebuilt from its record. */
  readonly rerun: boolean;
  /** Its client resumed a session that dropped: id, data and rooms came back with it. */
  readonly recovered: boolean;
  /** How the connection ended (either side), once it has. */
  ending: { readonly code: number; readonly reason: string } | null = null;
  readonly #record: RecordView;
  /** The one way the record changes. */
  readonly #kept: RecordKeeper;
  readonly #queue: FrameQueue;
  readonly #deps: ConnectionDeps;
  readonly #inbound: InboundLimits;
  readonly #handshake: HandshakeAnswer;
  /** Why the connection ended, when it was not the handler's own close(): a later send reports it. */
  #disconnect: CloseFrame | null = null;
  /** Its socket is gone but its session goes on: sends are kept for the client's resume. */
  #keepsSends = false;
  /** A newer connection carries its session on: its ending does not end the session. */
  #superseded = false;
  /** Set while the handler's receives wait (see receiveAfter). */
  #receivesAfter: Promise<void> | null = null;

  constructor(init: ConnectionInit) {
    this.#record = init.record;
    this.#kept = new RecordKeeper(init.record, init.socket, init.limits.maxDataBytes);
    this.params = init.params;
    this.headers = init.headers;
    this.socket = init.socket;
    this.#deps = init.deps;
    this.#queue = new FrameQueue(init.limits.maxQueuedMessages, init.limits.maxQueuedBytes, (deadline) =>
      this.#deadlineChanged(deadline),
    );
    this.#inbound = new InboundLimits(init.limits);
    this.#handshake = new HandshakeAnswer(init.handshake, init.session?.offered ?? false, init.headers);
    this.rerun = init.handshake === undefined;
    this.recovered = init.session?.recovered ?? false;
    this.state = this.rerun ? WebSocketState.CONNECTED : WebSocketState.CONNECTING;
    if (this.rerun && init.record.deadline !== null) this.#missedDeadline(init.record.deadline);
  }

  /** What the connection keeps in its attachment, for reading: it changes only through the connection. */
  get record(): RecordView {
    return this.#record;
  }

  get isOpen(): boolean {
    return this.state === WebSocketState.CONNECTED;
  }

  /** A newer connection carries its session on: its ending does not end the session. */
  get superseded(): boolean {
    return this.#superseded;
  }

  /** Stores a JSON copy of `data` with the connection; the old data stays if it cannot be stored. */
  setData(data: unknown): void {
    this.#kept.setData(data, this.isOpen);
    if (this.isOpen) this.#deps.dataChanged(this);
  }

  /** Records that the connection joined a room (false: it is a member already); the names of its rooms are bounded. */
  joinRoom(room: string): boolean {
    if (this.#record.rooms.includes(room)) return false;
    if (!this.isOpen) throw new WebSocketError(`Cannot join room "${room}": the connection is ${this.state}`);
    this.#kept.addRoom(room);
    return true;
  }

  /** Records that the connection left a room (false: it was not a member). */
  leaveRoom(room: string): boolean {
    return this.#kept.removeRoom(room, this.isOpen);
  }

  /** The connection carries this session from now on. */
  startSession(session: string): void {
    this.#kept.setSession(session);
  }

  accept(subprotocol: string | undefined, headers: HeadersInit | undefined): void {
    const acceptance = this.#handshake.acceptance(this.state, subprotocol, headers);
    if (acceptance === null) return;
    this.#kept.accepted(acceptance.subprotocol);
    // Open while the handshake accepts: a resumed session's welcome, replay and presence go out then.
    this.state = WebSocketState.CONNECTED;
    try {
      this.#handshake.accept(acceptance);
    } catch (error) {
      this.state = WebSocketState.CONNECTING;
      throw error;
    }
  }

  send(frame: OutgoingFrame): void {
    if (this.state !== WebSocketState.CONNECTED) {
      // The client dropped, or the server restarts, while the handler was busy: its session goes on,
      // and what the handler sends is kept for the client's resume.
      if (this.#keepsSends && this.#deps.keep(this, frame)) return;
      throw this.#cannotSend();
    }
    const delivery = this.#deps.send(this, frame);
    // Over its budget, the connection has just been closed under the handler: the disconnect says why.
    if (delivery === "over-budget") throw this.#cannotSend();
    // The client's close can reach the socket before its close event reaches us.
    if (delivery === "closed") throw new WebSocketDisconnect(1006, "The client is gone");
  }

  take<T>(convert: Convert<T>, options?: ReceiveOptions): Promise<T> {
    if (this.state === WebSocketState.CONNECTING) {
      return Promise.reject(new WebSocketError("Cannot receive before accept()"));
    }
    if (this.#receivesAfter !== null) return this.#receivesAfter.then(() => this.#queue.take(convert, options));
    return this.#queue.take(convert, options);
  }

  /** As take(), for a loop over the messages: ENDED once the connection is closed, where take() rejects. */
  next<T>(convert: Convert<T>, options?: ReceiveOptions): Promise<T | Ended> {
    if (this.state === WebSocketState.CONNECTING) {
      return Promise.reject(new WebSocketError("Cannot receive before accept()"));
    }
    if (this.#receivesAfter !== null) return this.#receivesAfter.then(() => this.#queue.next(convert, options));
    return this.#queue.next(convert, options);
  }

  /**
   * The handler's receives wait for `gate` (what arrives meanwhile is queued): a resumed session's
   * new connection takes its client's messages only once the older connection's handler, still busy
   * with an earlier one, has finished, so the session's messages are processed one at a time, in order.
   */
  receiveAfter(gate: Promise<void>): void {
    const opened = gate.then(() => {
      if (this.#receivesAfter === opened) this.#receivesAfter = null;
    });
    this.#receivesAfter = opened;
  }

  /** The handler's own close: messages it has not taken are dropped, its receives raise the disconnect. */
  close(code: number, reason: string): void {
    assertCloseArguments(code, reason);
    this.#close({ code, reason }, false);
  }

  /**
   * The library closes the connection under the handler (a broken limit, a room's closeAll): the
   * messages that arrived before are still the handler's to receive, then the disconnect; sends report it.
   * A session's untaken messages are dropped instead: they are unacknowledged, so its client resends
   * them when it resumes, and the next handler must be the only one to process them.
   */
  closeUnder(code: number, reason: string): void {
    assertCloseArguments(code, reason);
    const disconnect = { code, reason };
    if (this.state === WebSocketState.CONNECTED) this.#disconnect = disconnect;
    this.#close(disconnect, this.#record.session === null);
  }

  /** The library closes the connection for a broken limit or rule, and logs why. */
  closeForLibrary({ code, reason }: Violation): void {
    if (!this.isOpen) return;
    this.#deps.logger.closedByLibrary(this.#record, code, reason);
    this.closeUnder(code, reason);
  }

  /** Its session goes on in a newer connection: this one closes, and its end does not end the session. */
  supersede(code: number, reason: string): void {
    this.#superseded = true;
    this.closeUnder(code, reason);
  }

  /**
   * Checks a frame from the client against the limits (size, rate), raw, before anything reads it; a broken limit is
   * returned.
   */
  checkFrame(frame: Frame): Violation | undefined {
    return this.#inbound.check(frame);
  }

  /** Queues a message for the handler (`onTaken` runs as the handler takes it); a full queue is returned. */
  enqueue(message: Frame, onTaken?: () => void): Violation | undefined {
    return this.#queue.push(message, onTaken) ? undefined : QUEUE_FULL;
  }

  /** Settles once the handler has taken everything that arrived so far; undefined if it has. */
  untaken(): Promise<void> | undefined {
    return this.#queue.untaken();
  }

  /** Gives up the pending receives whose deadline is `now` or earlier. */
  expireReceives(now: number): void {
    this.#queue.expire(now);
  }

  /** The earliest deadline of the pending receives, or null. */
  nextDeadline(): number | null {
    return this.#queue.nextDeadline();
  }

  /** The client's close frame, or its disappearance (1006). */
  remoteClosed(code: number, reason: string): void {
    const wasOpen = this.state === WebSocketState.CONNECTED;
    this.state = WebSocketState.DISCONNECTED;
    if (!wasOpen) return;
    this.#disconnect = { code, reason };
    this.#ended({ code, reason, byClient: true });
    // A session client resends what was not processed when it comes back: nothing to keep for this handler.
    this.#queue.end(() => endOfConnection(code, reason), this.#record.session !== null);
  }

  /** The handler returned (or threw, with `failure`): close what it left open. */
  finish(failure?: unknown): void {
    if (this.state === WebSocketState.CONNECTING) {
      this.state = WebSocketState.DISCONNECTED;
      if (failure === undefined)
        this.#handshake.refuse(403, "The WebSocket handler returned without accepting the connection");
      else this.#handshake.refuse(500, "The WebSocket handler failed before accepting the connection");
    } else if (this.state === WebSocketState.CONNECTED) {
      if (failure === undefined) this.#close({ code: 1000, reason: "" }, false);
      else this.#close({ code: 1011, reason: "Internal error" }, false);
    }
    this.#keepsSends = false;
    this.#queue.abandon(() => endOfConnection(1006, "The handler has ended"));
  }

  #ended(ending: Ending): void {
    this.ending = { code: ending.code, reason: ending.reason };
    this.#keepsSends = this.#deps.ended(this, ending);
  }

  #close(disconnect: CloseFrame, keepQueued: boolean): void {
    const error = (): Error => endOfConnection(disconnect.code, disconnect.reason);
    switch (this.state) {
      case WebSocketState.CONNECTING:
        this.state = WebSocketState.DISCONNECTED;
        this.#handshake.refuse(403, "The WebSocket handler closed the connection before accepting it");
        this.#queue.end(error, true);
        return;
      case WebSocketState.CONNECTED:
        this.state = WebSocketState.DISCONNECTING;
        this.#kept.setClosing();
        this.#ended({ code: disconnect.code, reason: disconnect.reason, byClient: false });
        try {
          this.#kept.store();
          this.socket.close(disconnect.code, disconnect.reason);
        } catch {
          // The client went away at the same moment; its close event finishes the job.
        }
        this.#queue.end(error, !keepQueued);
        return;
      default:
        return;
    }
  }

  /**
   * A rerun: the receive the handler was waiting in is gone with the old memory, and the rerun waits
   * anew. If its deadline passed while the object slept, the rerun's first receive gets the timeout.
   */
  #missedDeadline(deadline: number): void {
    const now = Date.now();
    if (deadline <= now) this.#queue.timeoutDue(deadline, now);
    this.#kept.setDeadline(null, true);
  }

  /** The earliest deadline of the pending receives changed: keep it with the record, so it survives a wake. */
  #deadlineChanged(deadline: number | null): void {
    if (this.#kept.setDeadline(deadline, this.isOpen) && deadline !== null) this.#deps.wakeAt(deadline);
  }

  #cannotSend(): Error {
    if (this.#disconnect !== null) return new WebSocketDisconnect(this.#disconnect.code, this.#disconnect.reason);
    if (this.state === WebSocketState.CONNECTING) return new WebSocketError("Cannot send before accept()");
    return new WebSocketError("Cannot send after close()");
  }
}
