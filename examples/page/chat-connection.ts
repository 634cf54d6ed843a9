import type { Backoff, CloseInfo, ConnectionState as ClientState, Reset, WebSocketConstructor } from "../../src/client/index.js";
import { SessionClient } from "../../src/client/index.js";
import type { ChatEvent } from "./chat-events.js";
import { parseChatEvent } from "./chat-events.js";
import { isWorthRetrying } from "./close-codes.js";
import type { Refusal } from "./upgrade-refusal.js";
import { askWhyRefused } from "./upgrade-refusal.js";

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

/** What the page hears from its connection to a chat room. */
export interface ConnectionListener {
  state(state: ConnectionState): void;
  /** A chat event, once each, in order; `replayed`: sent while the page was away, and sent again on resuming. */
  event(event: ChatEvent, replayed: boolean): void;
  /** The session, or a room's missed messages, could not be recovered. */
  reset(reset: Reset): void;
  /** The server has taken the message `send` returned this id for. */
  acknowledged(id: string): void;
}

export interface ConnectionOptions {
  /** For tests: the WebSocket class (default the global one), the backoff, and `fetch` for the refusal probe. */
  WebSocket?: WebSocketConstructor;
  backoff?: Partial<Backoff>;
  fetch?: typeof fetch;
}

/**
 * The page's connection to one chat room, a session client (`hypern-workers/client`): it reconnects
 * with backoff after every close the page did not ask for, resumes the session, and sends again what
 * the server had not taken. It stops when the close code says retrying cannot help, or when the server
 * refused the upgrade for good (asked with a plain GET when a socket closes before it ever opened).
 */
export class ChatConnection {
  readonly #client: SessionClient<unknown, never>;
  #refusal: Refusal | undefined;
  #ended = false;

  constructor(url: string, listener: ConnectionListener, options: ConnectionOptions = {}) {
    const retry = async (close: CloseInfo): Promise<boolean> => {
      if (!close.opened) {
        this.#refusal = await askWhyRefused(url, options.fetch);
        if (this.#refusal !== undefined) return false;
      }
      return isWorthRetrying(close.code);
    };
    this.#client = new SessionClient(url, { retry, ...(options.WebSocket && { WebSocket: options.WebSocket }), ...(options.backoff && { backoff: options.backoff }) });
    // The client connects once the constructor has returned, so no event is missed.
    this.#client.on("state", (state) => this.#ifLive(() => listener.state(this.#phase(state))));
    this.#client.on("reset", (reset) => this.#ifLive(() => listener.reset(reset)));
    this.#client.on("acknowledged", (id) => this.#ifLive(() => listener.acknowledged(id)));
    this.#client.on("message", (message) => {
      const event = parseChatEvent(message.data);
      if (event !== undefined) this.#ifLive(() => listener.event(event, message.replayed));
    });
  }

  /** Sends a chat message, now or once the connection is back; its id, or undefined when the connection has stopped. */
  send(text: string): string | undefined {
    const { state } = this.#client.state;
    return this.#ended || state === "closed" ? undefined : this.#client.send(text);
  }

  /** Leaves the room for good: the session ends, no reconnect, and nothing more is heard. */
  end(reason: string): void {
    this.#ended = true;
    this.#client.close(reason);
  }

  #ifLive(report: () => void): void {
    if (!this.#ended) report();
  }

  #phase(state: ClientState): ConnectionState {
    switch (state.state) {
      case "connecting":
        return { phase: "connecting", attempt: state.attempt };
      case "open":
        return { phase: "open" };
      case "reconnecting":
        return { phase: "retrying", attempt: state.attempt, delayMs: state.delayMs, close: closeOf(state.close) };
      case "closed":
        return this.#refusal === undefined ? { phase: "stopped", close: closeOf(state.close) } : { phase: "refused", refusal: this.#refusal };
    }
  }
}

function closeOf({ code, reason }: CloseInfo): Close {
  return { code, reason };
}
