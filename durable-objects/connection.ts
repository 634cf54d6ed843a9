import { assertCloseArguments } from "../src/shared/close-code.js";
import type { ConnectionRecord } from "./record.js";
import { persistRecord } from "./record.js";
import { WebSocketDisconnect, WebSocketError } from "./errors.js";
import type { Violation } from "./inbound-limits.js";
import { InboundLimits, QUEUE_FULL } from "./inbound-limits.js";
import type { Frame } from "./message.js";
import type { Delivery } from "./outbox.js";
import type { ResolvedLimits } from "../src/shared/limits.js";
import type { Convert, ReceiveOptions } from "./queue.js";
import { FrameQueue } from "./queue.js";
import { WebSocketState } from "./state.js";
import { SESSION_PROTOCOL, offeredSubprotocols } from "../src/shared/session-protocol.js";
import { utf8Bytes } from "../src/shared/utf8.js";

/** Answers the upgrade request that is still waiting for the handler's decision. */
export interface Handshake {
  /** Accept the socket and answer 101 with these extra headers. */
  accept(responseHeaders: Headers): void;
  /** Answer with an HTTP error instead of upgrading. */
  refuse(status: number, message: string): void;
}

/** How a connection stopped being open. */
export interface Ending {
  readonly code: number;
  /** The client closed it (or vanished); otherwise the server did. */
  readonly byClient: boolean;
}

/** What a connection needs from its room object. */
export interface ConnectionOwner {
  /** The connection stopped being open (either side closed it): drop it from every room. Called once. */
  forget(connection: Connection, ending: Ending): void;
  /** Sends to this connection alone (numbered and kept, for a session), within its outbound budget. */
  sendDirect(socket: WebSocket, frame: Frame | ArrayBufferView): Delivery;
  /** The connection's data or rooms changed while open: its session keeps them. */
  sessionChanged(connection: Connection): void;
  /** A pending receive gives up at `deadline`: wake the object then (its alarm), even from hibernation. */
  wakeAt(deadline: number): void;
}

/**
 * One connection's state machine, behind the public `WebSocket` facade. Owns the server end of the
 * socket, the record kept in its attachment and the queue the handler receives from.
 */
export class Connection {
  state: WebSocketState;
  readonly record: ConnectionRecord;
  /** The route params, percent-decoded (recomputed from the path after a wake). */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The upgrade request's headers, lower-case names. */
  readonly headers: readonly (readonly [string, string])[];
  readonly socket: WebSocket;
  readonly resumed: boolean;
  /** Its client resumed a session that dropped: id, data and rooms came back with it. */
  readonly recovered: boolean;
  /** Its client offered the session protocol on a route with sessions: accept() answers with it. */
  readonly #sessionOffered: boolean;
  /** A newer connection carries its session on: its ending does not end the session. */
  superseded = false;
  /** How the connection ended (either side), once it has. */
  ending: { readonly code: number; readonly reason: string } | null = null;
  readonly queue: FrameQueue;
  readonly #owner: ConnectionOwner;
  readonly #inbound: InboundLimits;
  readonly #maxDataBytes: number;
  #handshake: Handshake | null;
  #acceptCalled = false;
  /** Why the connection ended, when it was not the handler's own close(): a later send reports it. */
  #disconnect: WebSocketDisconnect | null = null;

  constructor(init: {
    record: ConnectionRecord;
    params: Readonly<Record<string, string | undefined>>;
    headers: readonly (readonly [string, string])[];
    socket: WebSocket;
    owner: ConnectionOwner;
    limits: ResolvedLimits;
    /** Present for a fresh upgrade; absent when the connection is rebuilt after hibernation. */
    handshake?: Handshake;
    /** For a fresh upgrade: whether the client offered the session protocol, and resumed a session. */
    session?: { readonly offered: boolean; readonly recovered: boolean };
  }) {
    this.record = init.record;
    this.params = init.params;
    this.headers = init.headers;
    this.socket = init.socket;
    this.#owner = init.owner;
    this.queue = new FrameQueue(init.limits.maxQueuedMessages, init.limits.maxQueuedBytes, (deadline) => this.#deadlineChanged(deadline));
    this.#inbound = new InboundLimits(init.limits);
    this.#maxDataBytes = init.limits.maxDataBytes;
    this.#handshake = init.handshake ?? null;
    this.resumed = init.handshake === undefined;
    this.recovered = init.session?.recovered ?? false;
    this.#sessionOffered = init.session?.offered ?? false;
    this.state = this.resumed ? WebSocketState.CONNECTED : WebSocketState.CONNECTING;
  }

  get isOpen(): boolean {
    return this.state === WebSocketState.CONNECTED;
  }

  /** Stores the record in the socket's attachment. */
  persist(): void {
    persistRecord(this.socket, this.record);
  }

  /** Stores a JSON copy of `data` with the connection; the old data stays if it cannot be stored. */
  setData(data: unknown): void {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (error) {
      throw new WebSocketError("ws.data must be JSON-serializable: it is stored with the connection as JSON", { cause: error });
    }
    const size = json === undefined ? 0 : utf8Bytes(json);
    if (size > this.#maxDataBytes) {
      throw new WebSocketError(
        `ws.data would be ${size} bytes as JSON, over limits.maxDataBytes (${this.#maxDataBytes}): ` +
          "keep per-connection state small and store the rest in Durable Object storage",
      );
    }
    const previous = this.record.data;
    this.record.data = json === undefined ? undefined : JSON.parse(json);
    if (!this.isOpen) return;
    try {
      this.persist();
    } catch (error) {
      this.record.data = previous;
      throw error;
    }
    this.#owner.sessionChanged(this);
  }

  accept(subprotocol: string | undefined, headers: HeadersInit | undefined): void {
    if (this.#acceptCalled) throw new WebSocketError("accept() was already called on this connection");
    // A resumed connection was accepted before the room object hibernated.
    if (this.resumed) {
      this.#acceptCalled = true;
      return;
    }
    if (this.state !== WebSocketState.CONNECTING || this.#handshake === null) {
      throw new WebSocketError(`Cannot accept: the connection is ${this.state}`);
    }
    const responseHeaders = new Headers(headers);
    if (this.#sessionOffered) {
      if (subprotocol !== undefined && subprotocol !== SESSION_PROTOCOL) {
        throw new WebSocketError(`Cannot accept subprotocol "${subprotocol}": the client negotiates the session protocol (${SESSION_PROTOCOL})`);
      }
      responseHeaders.set("Sec-WebSocket-Protocol", SESSION_PROTOCOL);
      this.record.subprotocol = SESSION_PROTOCOL;
    } else if (subprotocol !== undefined) {
      const offered = offeredSubprotocols(this.headers.find(([name]) => name === "sec-websocket-protocol")?.[1]);
      if (!offered.includes(subprotocol)) {
        throw new WebSocketError(
          `Cannot accept subprotocol "${subprotocol}": the client offered ${offered.length ? offered.map((p) => `"${p}"`).join(", ") : "none"}`,
        );
      }
      responseHeaders.set("Sec-WebSocket-Protocol", subprotocol);
      this.record.subprotocol = subprotocol;
    }
    this.persist();
    this.#handshake.accept(responseHeaders);
    this.#handshake = null;
    this.#acceptCalled = true;
    this.state = WebSocketState.CONNECTED;
  }

  send(frame: Frame | ArrayBufferView): void {
    if (this.state !== WebSocketState.CONNECTED) throw this.#cannotSend();
    const delivery = this.#owner.sendDirect(this.socket, frame);
    // Over its budget, the connection has just been closed under the handler: the disconnect says why.
    if (delivery === "over-budget") throw this.#cannotSend();
    // The client's close can reach the socket before its close event reaches us.
    if (delivery === "closed") throw new WebSocketDisconnect(1006, "The client is gone");
  }

  take<T>(convert: Convert<T>, options?: ReceiveOptions): Promise<T> {
    if (this.state === WebSocketState.CONNECTING) {
      return Promise.reject(new WebSocketError("Cannot receive before accept()"));
    }
    return this.queue.take(convert, options);
  }

  /** The handler's own close: messages it has not taken are dropped, its receives raise the disconnect. */
  close(code: number, reason: string): void {
    assertCloseArguments(code, reason);
    this.#close(endOfConnection(code, reason), false);
  }

  /**
   * The library closes the connection under the handler (a broken limit, a room's closeAll): the
   * messages that arrived before are still the handler's to receive, then the disconnect; sends report it.
   * A session's untaken messages are dropped instead: they are unacknowledged, so its client resends
   * them when it resumes, and the next handler must be the only one to process them.
   */
  closeUnder(code: number, reason: string): void {
    assertCloseArguments(code, reason);
    const disconnect = endOfConnection(code, reason);
    if (this.state === WebSocketState.CONNECTED) this.#disconnect = disconnect;
    this.#close(disconnect, this.record.session === null);
  }

  /** Checks a frame against the limits (size, rate), without queueing it. */
  checkInbound(frame: Frame): Violation | undefined {
    return this.#inbound.check(frame);
  }

  /**
   * A frame from the client, checked against the limits and queued for the handler; a broken limit
   * is returned. For a session, `message` is what the handler receives and `onTaken` runs as it does.
   */
  deliver(frame: Frame, message: Frame = frame, onTaken?: () => void): Violation | undefined {
    return this.#inbound.check(frame) ?? (this.queue.push(message, onTaken) ? undefined : QUEUE_FULL);
  }

  /** The client's close frame, or its disappearance (1006). */
  remoteClosed(code: number, reason: string): void {
    const wasOpen = this.state === WebSocketState.CONNECTED;
    this.state = WebSocketState.DISCONNECTED;
    if (!wasOpen) return;
    this.#disconnect = endOfConnection(code, reason);
    this.ending = { code, reason };
    this.#owner.forget(this, { code, byClient: true });
    // A session client resends what was not processed when it comes back: nothing to keep for this handler.
    this.queue.end(this.#disconnect, this.record.session !== null);
  }

  /** The handler returned (or threw, with `failure`): close what it left open. */
  finish(failure?: unknown): void {
    if (this.state === WebSocketState.CONNECTING) {
      this.state = WebSocketState.DISCONNECTED;
      if (failure === undefined) this.#refuse(403, "The WebSocket handler returned without accepting the connection");
      else this.#refuse(500, "The WebSocket handler failed before accepting the connection");
    } else if (this.state === WebSocketState.CONNECTED) {
      if (failure === undefined) this.#close(endOfConnection(1000, ""), false);
      else this.#close(endOfConnection(1011, "Internal error"), false);
    }
    this.queue.abandon(() => endOfConnection(1006, "The handler has ended"));
  }

  #close(disconnect: WebSocketDisconnect, keepQueued: boolean): void {
    if (this.state === WebSocketState.CONNECTED) this.ending = { code: disconnect.code, reason: disconnect.reason };
    switch (this.state) {
      case WebSocketState.CONNECTING:
        this.state = WebSocketState.DISCONNECTED;
        this.#refuse(403, "The WebSocket handler closed the connection before accepting it");
        this.queue.end(disconnect, true);
        return;
      case WebSocketState.CONNECTED:
        this.state = WebSocketState.DISCONNECTING;
        this.record.closing = true;
        this.#owner.forget(this, { code: disconnect.code, byClient: false });
        try {
          this.persist();
          this.socket.close(disconnect.code, disconnect.reason);
        } catch {
          // The client went away at the same moment; its close event finishes the job.
        }
        this.queue.end(disconnect, !keepQueued);
        return;
      default:
        return;
    }
  }

  /** The earliest deadline of the pending receives changed: keep it with the record, so it survives a wake. */
  #deadlineChanged(deadline: number | null): void {
    if (deadline === this.record.deadline) return;
    this.record.deadline = deadline;
    if (this.isOpen) this.persist();
    if (deadline !== null) this.#owner.wakeAt(deadline);
  }

  #refuse(status: number, message: string): void {
    this.#handshake?.refuse(status, message);
    this.#handshake = null;
  }

  #cannotSend(): Error {
    if (this.#disconnect !== null) return new WebSocketDisconnect(this.#disconnect.code, this.#disconnect.reason);
    if (this.state === WebSocketState.CONNECTING) return new WebSocketError("Cannot send before accept()");
    return new WebSocketError("Cannot send after close()");
  }
}

/**
 * The disconnect a connection's receives end with. It is control flow, made once per connection, and
 * its stack would only show the library's internals: skipping the capture saves measurable time per
 * connection. (A send's own WebSocketDisconnect keeps its stack: it points at the handler's call.)
 */
function endOfConnection(code: number, reason: string): WebSocketDisconnect {
  const errors = Error as ErrorConstructor & { stackTraceLimit: number };
  const limit = errors.stackTraceLimit;
  errors.stackTraceLimit = 0;
  try {
    return new WebSocketDisconnect(code, reason);
  } finally {
    errors.stackTraceLimit = limit;
  }
}
