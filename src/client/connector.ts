import { OPEN } from "../shared/ready-state.js";
import { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE, SESSION_PROTOCOL } from "../shared/session-protocol.js";
import type { Backoff } from "./backoff.js";
import { DEFAULT_BACKOFF, reconnectDelay } from "./backoff.js";
import { whenBackInView } from "./back-in-view.js";
import type { CloseInfo } from "./close-info.js";
import type { ConnectionState } from "./events.js";
import { explainFailedOpen } from "./failed-open.js";
import { isFinalCloseCode } from "./final-rules.js";
import { Heartbeat } from "./heartbeat.js";
import type { SessionClientOptions } from "./options.js";
import { withoutSessions } from "./refusal.js";
import type { UpgradeAnswer } from "./upgrade-answer.js";
import { listenForUpgradeAnswer } from "./upgrade-answer.js";
import type { WebSocketConstructor, WebSocketLike } from "./websocket.js";
import { webSocketClass } from "./websocket.js";

/** A connection that stayed open this long was healthy: the backoff starts over after it drops. */
const STABLE_AFTER_MS = 10_000;
/** The client's own close of a connection whose heartbeat went unanswered: the session continues, and it resumes. */
const NO_HEARTBEAT = { code: 4008, reason: "No answer to the heartbeat: resuming" } as const;
/** How long a check made when the page comes back in view (or the network comes back) waits for its answer. */
const CHECK_WITHIN_MS = 5_000;

/** What the connector needs from its session client. */
export interface ConnectorDeps {
  /** The subprotocols of the next attempt: the session protocol, and the resume request once there is a session. */
  protocols(): string[];
  /** A frame came on the current socket (the heartbeat's answers are the connector's). */
  frame(socket: WebSocketLike, data: unknown): void;
  /** The current socket ended: nothing more goes out on it. */
  ended(): void;
  /** The client closes for good: what goes out on its open socket before the close. */
  closing(socket: WebSocketLike): void;
  state(state: ConnectionState): void;
}

/**
 * Keeps a session client connected, one socket at a time: each attempt offers the session protocol, its heartbeat
 * (and a check when the page comes back in view) notices a connection that died without a word, and a close is
 * explained (asking the server why, for one that never opened). Unless the close is final or `retry` says no, the
 * next attempt follows after a backoff with jitter.
 */
export class Connector {
  readonly #url: string;
  readonly #options: SessionClientOptions;
  readonly #WebSocket: WebSocketConstructor;
  readonly #backoff: Backoff;
  readonly #deps: ConnectorDeps;
  #socket: WebSocketLike | undefined;
  #attempt = 0;
  #openedAt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** The current connection's heartbeat, and how the route asked for it (null: the route has none). */
  #heartbeat: Heartbeat | undefined;
  #beats: { readonly i: number; readonly t: number } | null = null;
  readonly #stopWatchingView: () => void;

  /** The first attempt starts in a microtask: the client's listeners are on by then. */
  constructor(url: string, options: SessionClientOptions, deps: ConnectorDeps) {
    this.#url = url;
    this.#options = options;
    this.#deps = deps;
    this.#WebSocket = webSocketClass(options.WebSocket);
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    // A tab that comes back into view, or a network that comes back, may hold a connection that died
    // meanwhile without a word: one heartbeat, answered or not, says so at once.
    this.#stopWatchingView = whenBackInView(() => {
      if (this.#beats !== null) this.#heartbeat?.checkNow(Math.min(this.#beats.i, CHECK_WITHIN_MS));
    });
    queueMicrotask(() => this.#connect());
  }

  /** The socket of the current attempt, until it ends. */
  get socket(): WebSocketLike | undefined {
    return this.#socket;
  }

  /** Closed for good: by the client, or after a close that is not retried. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The welcome says how often the route's heartbeat beats (undefined: the route has none). */
  heartbeat(beats: { readonly i: number; readonly t: number } | undefined): void {
    this.#beats = beats ?? null;
    if (beats !== undefined) this.#heartbeat?.start(beats.i);
  }

  /** Closes for good (1000): no reconnect. */
  close(reason: string): void {
    this.#closed = true;
    this.#stopWatchingView();
    this.#heartbeat?.stop();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    if (socket !== undefined && socket.readyState === OPEN) this.#deps.closing(socket);
    this.#socket = undefined;
    socket?.close(1000, reason);
    this.#deps.state({ state: "closed", close: { code: 1000, reason, opened: true, final: true } });
  }

  #connect(): void {
    if (this.#closed) return;
    const protocols = this.#deps.protocols();
    this.#deps.state({ state: "connecting", attempt: this.#attempt });
    const socket = new this.#WebSocket(this.#url, protocols);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
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
      this.#deps.ended();
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
      if (socket !== this.#socket) return;
      if (event.data === HEARTBEAT_RESPONSE) heartbeat.answered();
      else this.#deps.frame(socket, event.data);
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

  async #dropped(closed: CloseInfo | Promise<CloseInfo>): Promise<void> {
    const close = await closed;
    if (this.#closed) return;
    const retry = await (this.#options.retry ?? defaultRetry)(close);
    if (this.#closed) return;
    if (!retry) {
      this.#closed = true;
      this.#deps.state({ state: "closed", close });
      return;
    }
    if (this.#openedAt !== 0 && Date.now() - this.#openedAt >= STABLE_AFTER_MS) this.#attempt = 0;
    this.#openedAt = 0;
    this.#attempt += 1;
    const delayMs = reconnectDelay(this.#attempt, this.#backoff);
    this.#deps.state({ state: "reconnecting", attempt: this.#attempt, delayMs, close });
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
  }
}

function defaultRetry(close: CloseInfo): boolean {
  return !close.final;
}
