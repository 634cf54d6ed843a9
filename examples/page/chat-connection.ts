import type { ChatEvent } from "./chat-events.js";
import { parseChatEvent } from "./chat-events.js";
import { isWorthRetrying } from "./close-codes.js";
import { reconnectDelay } from "../../src/client/backoff.js";
import type { Refusal } from "./upgrade-refusal.js";
import { askWhyRefused } from "./upgrade-refusal.js";

/** A connection that stayed open this long was healthy: the backoff starts over after it drops. */
const STABLE_AFTER_MS = 10_000;

export interface Close {
  code: number;
  reason: string;
}

export type ConnectionState =
  | { phase: "connecting"; attempt: number }
  | { phase: "open" }
  | { phase: "retrying"; attempt: number; delayMs: number; close: Close }
  | { phase: "stopped"; close: Close }
  | { phase: "refused"; refusal: Refusal };

export interface ConnectionListener {
  state(state: ConnectionState): void;
  event(event: ChatEvent): void;
}

/**
 * Keeps one WebSocket open to a chat room: after every close the page did not ask for, it connects
 * again with exponential backoff, unless the close code says retrying cannot help, or the server
 * refused the upgrade for good (asked with a plain GET when a socket closes before it ever opened).
 */
export class ChatConnection {
  readonly #url: string;
  readonly #listener: ConnectionListener;
  #socket: WebSocket | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #openedAt = 0;
  /** Reconnect attempts since the last stable connection. */
  #attempt = 0;
  #ended = false;

  constructor(url: string, listener: ConnectionListener) {
    this.#url = url;
    this.#listener = listener;
  }

  start(): void {
    this.#listener.state({ phase: "connecting", attempt: this.#attempt });
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      if (socket !== this.#socket) return;
      opened = true;
      this.#openedAt = Date.now();
      this.#listener.state({ phase: "open" });
    });
    socket.addEventListener("message", ({ data }) => {
      if (socket !== this.#socket) return;
      const event = parseChatEvent(data);
      if (event !== undefined) this.#listener.event(event);
    });
    socket.addEventListener("close", ({ code, reason }) => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      if (opened) this.#closed({ code, reason });
      else void this.#closedBeforeOpening({ code, reason });
    });
  }

  /** Sends a chat message; false when the connection is not open. */
  send(text: string): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(text);
    return true;
  }

  /** Leaves the room for good: closes the socket normally and cancels a pending reconnect. */
  end(reason: string): void {
    this.#ended = true;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(1000, reason);
  }

  async #closedBeforeOpening(close: Close): Promise<void> {
    const refusal = await askWhyRefused(this.#url);
    if (this.#ended) return;
    if (refusal !== undefined) this.#listener.state({ phase: "refused", refusal });
    else this.#closed(close);
  }

  #closed(close: Close): void {
    if (!isWorthRetrying(close.code)) {
      this.#listener.state({ phase: "stopped", close });
      return;
    }
    if (this.#openedAt !== 0 && Date.now() - this.#openedAt >= STABLE_AFTER_MS) this.#attempt = 0;
    this.#openedAt = 0;
    this.#attempt += 1;
    const delayMs = reconnectDelay(this.#attempt);
    this.#listener.state({ phase: "retrying", attempt: this.#attempt, delayMs, close });
    this.#retryTimer = setTimeout(() => this.start(), delayMs);
  }
}
