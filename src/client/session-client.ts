import type { LostReason, Payload, PresenceCounts, PresenceEntry, ServerFrame } from "../shared/session-protocol.js";
import { OPEN } from "../shared/ready-state.js";
import {
  HEARTBEAT_REQUEST,
  HEARTBEAT_RESPONSE,
  SESSION_PROTOCOL,
  payloadData,
  payloadOf,
  sessionProtocols,
} from "../shared/session-protocol.js";
import type { Backoff } from "./backoff.js";
import { DEFAULT_BACKOFF, reconnectDelay } from "./backoff.js";
import type { CloseInfo } from "./close-info.js";
import { explainFailedOpen } from "./failed-open.js";
import { Heartbeat } from "./heartbeat.js";
import { whenBackInView } from "./back-in-view.js";
import { isFinalCloseCode } from "./final-rules.js";
import { Listeners } from "./listeners.js";
import type { FetchLike } from "./plain-get.js";
import type { PresenceChange } from "./presence.js";
import { PresenceMaps } from "./presence.js";
import { Received } from "./received.js";
import { withoutSessions } from "./refusal.js";
import type { UpgradeAnswer } from "./upgrade-answer.js";
import { listenForUpgradeAnswer } from "./upgrade-answer.js";
import type { WebSocketConstructor, WebSocketLike } from "./websocket.js";
import { webSocketClass } from "./websocket.js";

export type ConnectionState =
  | { readonly state: "connecting"; readonly attempt: number }
  | { readonly state: "open" }
  | { readonly state: "reconnecting"; readonly attempt: number; readonly delayMs: number; readonly close: CloseInfo }
  | { readonly state: "closed"; readonly close: CloseInfo };

/** A message from the server, once each, in order. */
export interface ReceivedMessage<Incoming> {
  /** Text as a string, binary as an ArrayBuffer. */
  readonly data: string | ArrayBuffer;
  /** The text parsed as JSON. */
  json(): Incoming;
  /** For a broadcast into a room with history: the room and the message's place in its log. */
  readonly room?: string;
  readonly offset?: number;
  /** Sent again after a resume: the client missed it while it was away. */
  readonly replayed: boolean;
}

/** Every connection starts with a welcome: a new session, or the old one resumed. */
export interface Welcome {
  readonly session: string;
  /** The connection id (`ws.id` on the server), kept across resumes. */
  readonly id: string;
  /** The session came back: what the client missed follows (`missed` messages), then the live ones. */
  readonly recovered: boolean;
  readonly missed: number;
}

/** The client could not get everything back: resync (read the app's state afresh). */
export interface Reset {
  /**
   * `expired` or `unknown`: the session is gone, this is a new one. `trimmed` or `epoch`: a room's history could not
   * fill the gap.
   */
  readonly reason: LostReason;
  /** The room whose broadcasts could not all be replayed, for `trimmed` and `epoch`. */
  readonly room?: string;
  /**
   * For a lost session: messages the client sent that the old session had not acknowledged. They are not sent again
   * (they may have been processed).
   */
  readonly unsent: readonly string[];
}

export interface SessionClientEvents<Incoming> extends Record<string, unknown> {
  state: ConnectionState;
  welcome: Welcome;
  message: ReceivedMessage<Incoming>;
  reset: Reset;
  /** The server processed the message with this id (returned by `send`). */
  acknowledged: string;
  /** Who is in a room with presence changed (or came whole): see `presence(room)`. */
  presence: PresenceChange;
}

export interface SessionClientOptions {
  /**
   * The WebSocket class to use. Default: the global `WebSocket` (browsers, Node 22). Node 20 has none:
   * pass the `ws` package's (`import { WebSocket } from "ws"`), whose socket also shows the status
   * and body of a refused upgrade. Without either, the constructor throws a TypeError.
   */
  WebSocket?: WebSocketConstructor;
  /**
   * For the one plain GET of the same address (http for ws, https for wss) that asks why a connection
   * failed before it opened, when the socket did not show the server's answer. Default: the global
   * `fetch`; with neither, the client does not ask.
   */
  fetch?: FetchLike;
  backoff?: Partial<Backoff>;
  /**
   * Whether to reconnect after a close the client did not ask for. Default: unless `close.final`,
   * which is true after the codes that say retrying cannot help (1002 protocol error, 1003, 1007, 1008
   * policy violation), after an upgrade refused with a 4xx (but 408, 425 and 429) or with the 500 of
   * a wiring mistake (no Durable Object binding, a class that is not the room object), and when the
   * route does not have sessions.
   */
  retry?: (close: CloseInfo) => boolean | Promise<boolean>;
  /**
   * Acknowledge after this many messages, or `ackDelayMs` after the first one not yet acknowledged.
   * Defaults 32 and 1000 ms: each acknowledgement is an event on the server, so fewer cost less; the
   * server sees how far behind the client is that much later.
   */
  ackEvery?: number;
  ackDelayMs?: number;
}

/** A connection that stayed open this long was healthy: the backoff starts over after it drops. */
const STABLE_AFTER_MS = 10_000;
/** The client's own close when a direct message is missing: the session continues, and the resume replays it. */
const MISSED_CLOSE = { code: 4009, reason: "A direct message is missing: resuming" } as const;
/** The client's own close of a connection whose heartbeat went unanswered: the session continues, and it resumes. */
const NO_HEARTBEAT = { code: 4008, reason: "No answer to the heartbeat: resuming" } as const;
/** How long a check made when the page comes back in view (or the network comes back) waits for its answer. */
const CHECK_WITHIN_MS = 5_000;

/** A message sent and not yet acknowledged. */
interface PendingMessage {
  readonly id: string;
  readonly frame: string;
}

/**
 * A WebSocket to a route with `sessions` that survives drops, restarts and deploys: it reconnects with
 * backoff and jitter, resumes its session (the server replays what it missed), drops what it has seen
 * already, and sends again, once, what the server had not acknowledged.
 *
 * @typeParam Incoming - what the server sends, as `message.json()` returns it.
 * @typeParam Outgoing - what `sendJson` takes.
 */
export class SessionClient<Incoming = unknown, Outgoing = unknown> {
  readonly #url: string;
  readonly #options: SessionClientOptions;
  readonly #WebSocket: WebSocketConstructor;
  readonly #backoff: Backoff;
  readonly #listeners = new Listeners<SessionClientEvents<Incoming>>();
  readonly #received = new Received();
  readonly #presence = new PresenceMaps();
  /** Sent and not yet acknowledged by the server, in order: sent again after a resume. */
  readonly #unacknowledged = new Map<string, PendingMessage>();
  readonly #idPrefix = Math.random().toString(36).slice(2, 10);
  #nextId = 0;
  #socket: WebSocketLike | undefined;
  #session: string | null = null;
  #welcomed = false;
  #replaying = 0;
  #attempt = 0;
  #openedAt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #sinceAck = 0;
  #closed = false;
  #state: ConnectionState = { state: "connecting", attempt: 0 };
  /** The current connection's heartbeat, and how the route asked for it (null: the route has none). */
  #heartbeat: Heartbeat | undefined;
  #beats: { readonly i: number; readonly t: number } | null = null;
  readonly #stopWatchingView: () => void;

  constructor(url: string, options: SessionClientOptions = {}) {
    this.#url = url;
    this.#options = options;
    this.#WebSocket = webSocketClass(options.WebSocket);
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    // A tab that comes back into view, or a network that comes back, may hold a connection that died
    // meanwhile without a word: one heartbeat, answered or not, says so at once.
    this.#stopWatchingView = whenBackInView(() => {
      if (this.#beats !== null) this.#heartbeat?.checkNow(Math.min(this.#beats.i, CHECK_WITHIN_MS));
    });
    queueMicrotask(() => this.#connect());
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<Name extends keyof SessionClientEvents<Incoming>>(
    name: Name,
    listener: (value: SessionClientEvents<Incoming>[Name]) => void,
  ): () => void {
    return this.#listeners.on(name, listener);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Who is in a room with presence that this client is in, by key (one user's connections): each
   * entry with its data, how many connections, and whether it is away. Changes come as `presence` events.
   */
  presence(room: string): ReadonlyMap<string, PresenceEntry> {
    return this.#presence.get(room);
  }

  /** For a room that keeps counts only: how many keys are here, and how many away. */
  presenceCounts(room: string): PresenceCounts | undefined {
    return this.#presence.counts(room);
  }

  /** The session id, once the server has welcomed the client. */
  get session(): string | null {
    return this.#session;
  }

  /** Sends text; kept until the server acknowledges it, sent again after a resume. Returns its id. */
  send(text: string): string {
    return this.#send(payloadOf(text));
  }

  sendJson(value: Outgoing): string {
    return this.#send(payloadOf(JSON.stringify(value)));
  }

  sendBytes(data: ArrayBuffer | ArrayBufferView): string {
    return this.#send(payloadOf(data));
  }

  /** How many sent messages the server has not acknowledged yet. */
  get pending(): number {
    return this.#unacknowledged.size;
  }

  /** Closes for good (1000): the server ends the session; no reconnect. */
  close(reason = ""): void {
    this.#closed = true;
    this.#stopWatchingView();
    this.#heartbeat?.stop();
    stop(this.#retryTimer);
    const socket = this.#socket;
    if (socket !== undefined && socket.readyState === OPEN) this.#acknowledge(socket);
    this.#socket = undefined;
    socket?.close(1000, reason);
    this.#setState({ state: "closed", close: { code: 1000, reason, opened: true, final: true } });
  }

  #send(payload: Payload): string {
    if (this.#closed) throw new Error("This session client is closed");
    const id = `${this.#idPrefix}-${++this.#nextId}`;
    const outgoing = { id, frame: JSON.stringify({ t: "m", id, ...payload }) };
    this.#unacknowledged.set(id, outgoing);
    if (this.#welcomed && this.#socket?.readyState === OPEN) this.#socket.send(outgoing.frame);
    return id;
  }

  #connect(): void {
    if (this.#closed) return;
    const protocols = sessionProtocols(this.#session === null ? null : this.#received.resumeRequest(this.#session));
    this.#setState({ state: "connecting", attempt: this.#attempt });
    const socket = new this.#WebSocket(this.#url, protocols);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    this.#welcomed = false;
    let opened = false;
    let withSessions = true;
    let error: string | undefined;
    let answer: UpgradeAnswer | undefined;
    const heartbeat = new Heartbeat(
      () => socket.send(HEARTBEAT_REQUEST),
      () => {
        // A dead connection may never send its close event: this client moves on without it.
        try {
          socket.close(NO_HEARTBEAT.code, NO_HEARTBEAT.reason);
        } catch {
          // Closing already.
        }
        ended(1006, NO_HEARTBEAT.reason);
      },
    );
    this.#heartbeat = heartbeat;
    const ended = (code: number, reason: string): void => {
      if (socket !== this.#socket) return;
      heartbeat.stop();
      this.#socket = undefined;
      stop(this.#ackTimer);
      this.#ackTimer = undefined;
      void this.#dropped(
        opened
          ? this.#closeAfterOpen(code, reason, withSessions, error)
          : this.#closeBeforeOpen(code, reason, error, answer),
      );
    };
    listenForUpgradeAnswer(socket, (heard) => (answer = heard));
    socket.addEventListener("open", () => {
      if (socket !== this.#socket) return;
      opened = true;
      if (socket.protocol !== SESSION_PROTOCOL) {
        withSessions = false;
        socket.close(1002, "The server did not accept the session protocol");
        return;
      }
      this.#openedAt = Date.now();
    });
    socket.addEventListener("message", (event: { data: unknown }) => {
      if (socket === this.#socket) this.#frame(socket, event.data);
    });
    // Listening also keeps Node's WebSocket implementations from treating an error as unhandled.
    socket.addEventListener("error", (event) => {
      if (event.error instanceof Error) error = event.error.message;
      // Before it opened, an error ends the attempt: Node 22's WebSocket fires no close after a failed upgrade.
      if (!opened) ended(1006, "");
    });
    socket.addEventListener("close", (event: { code: number; reason: string }) => ended(event.code, event.reason));
  }

  #closeAfterOpen(code: number, reason: string, withSessions: boolean, error: string | undefined): CloseInfo {
    if (!withSessions) return { code, reason, opened: true, ...withoutSessions(this.#url) };
    return { code, reason, opened: true, final: isFinalCloseCode(code), ...(error !== undefined && { why: error }) };
  }

  async #closeBeforeOpen(
    code: number,
    reason: string,
    error: string | undefined,
    answer: UpgradeAnswer | undefined,
  ): Promise<CloseInfo> {
    const fetchFn = this.#options.fetch ?? (typeof fetch === "function" ? fetch : undefined);
    const explanation = await explainFailedOpen({ url: this.#url, error, answer }, fetchFn);
    return { code, reason, opened: false, ...explanation };
  }

  #frame(socket: WebSocketLike, data: unknown): void {
    if (typeof data !== "string") return;
    if (data === HEARTBEAT_RESPONSE) {
      this.#heartbeat?.answered();
      return;
    }
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    switch (frame.t) {
      case "w":
        this.#welcome(socket, frame);
        return;
      case "k":
        if (this.#unacknowledged.delete(frame.id)) this.#listeners.emit("acknowledged", frame.id);
        return;
      case "p":
        this.#listeners.emit("presence", this.#presence.apply(frame));
        return;
      default: {
        const replayed = this.#replaying > 0;
        if (replayed) this.#replaying -= 1;
        const outcome = this.#received.accept(frame);
        if (outcome === "gap") {
          // Not a goodbye (the session continues): the resume replays from the last one received.
          socket.close(MISSED_CLOSE.code, MISSED_CLOSE.reason);
          return;
        }
        if (outcome === "seen") return;
        const message = frame.t === "b" ? { room: frame.r, offset: frame.o } : {};
        const payload = payloadData(frame);
        this.#listeners.emit("message", {
          data: payload,
          json: () => JSON.parse(payload as string) as Incoming,
          replayed,
          ...message,
        });
        this.#scheduleAck(socket);
      }
    }
  }

  #welcome(socket: WebSocketLike, frame: Extract<ServerFrame, { t: "w" }>): void {
    if (!frame.recovered) {
      const unsent = this.#session === null ? [] : [...this.#unacknowledged.keys()];
      if (this.#session !== null) {
        // The old session is gone: what it had not acknowledged may or may not have been processed.
        this.#unacknowledged.clear();
        this.#received.reset();
        this.#presence.clear();
        this.#listeners.emit("reset", { reason: frame.lost ?? "unknown", unsent });
      }
    }
    this.#session = frame.session;
    for (const [room, { e, o, lost }] of Object.entries(frame.rooms)) {
      if (lost === undefined) continue;
      this.#received.resetRoom(room, { epoch: e, offset: o });
      this.#listeners.emit("reset", { reason: lost, room, unsent: [] });
    }
    this.#replaying = frame.missed;
    this.#welcomed = true;
    this.#beats = frame.hb ?? null;
    if (frame.hb !== undefined) this.#heartbeat?.start(frame.hb.i);
    this.#setState({ state: "open" });
    this.#listeners.emit("welcome", {
      session: frame.session,
      id: frame.id,
      recovered: frame.recovered,
      missed: frame.missed,
    });
    for (const { frame: pending } of this.#unacknowledged.values()) socket.send(pending);
  }

  #scheduleAck(socket: WebSocketLike): void {
    this.#sinceAck += 1;
    if (this.#sinceAck >= (this.#options.ackEvery ?? 32)) {
      this.#acknowledge(socket);
      return;
    }
    if (this.#ackTimer === undefined)
      this.#ackTimer = setTimeout(() => this.#acknowledge(socket), this.#options.ackDelayMs ?? 1_000);
  }

  #acknowledge(socket: WebSocketLike): void {
    stop(this.#ackTimer);
    this.#ackTimer = undefined;
    this.#sinceAck = 0;
    if (socket === this.#socket && socket.readyState === OPEN)
      socket.send(JSON.stringify({ t: "a", ...this.#received.acknowledgement() }));
  }

  async #dropped(closed: CloseInfo | Promise<CloseInfo>): Promise<void> {
    const close = await closed;
    if (this.#closed) return;
    const retry = await (this.#options.retry ?? defaultRetry)(close);
    if (this.#closed) return;
    if (!retry) {
      this.#closed = true;
      this.#setState({ state: "closed", close });
      return;
    }
    if (this.#openedAt !== 0 && Date.now() - this.#openedAt >= STABLE_AFTER_MS) this.#attempt = 0;
    this.#openedAt = 0;
    this.#attempt += 1;
    const delayMs = reconnectDelay(this.#attempt, this.#backoff);
    this.#setState({ state: "reconnecting", attempt: this.#attempt, delayMs, close });
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#listeners.emit("state", state);
  }
}

function stop(timer: ReturnType<typeof setTimeout> | undefined): void {
  if (timer !== undefined) clearTimeout(timer);
}

function defaultRetry(close: CloseInfo): boolean {
  return !close.final;
}
