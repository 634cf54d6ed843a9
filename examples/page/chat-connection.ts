import type {
  Backoff,
  CloseInfo,
  ConnectionState as ClientState,
  PresenceEntry,
  Reset,
  WebSocketConstructor,
} from "../../src/client/index.js";
import { SessionClient } from "../../src/client/index.js";
import type { ChatEvent } from "./chat-events.js";
import { parseChatEvent } from "./chat-events.js";

/** The room examples/chat.ts keeps presence in (its CHAT_ROOM). */
const CHAT_ROOM = "chat";

export interface Close {
  code: number;
  reason: string;
  /** For a connection that never opened: why, as the session client worked it out. */
  why?: string;
}

/** The server refused the upgrade for good, with this HTTP status; `why` says so in words. */
export interface Refusal {
  status: number;
  why: string;
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
  /** Who is in the room changed (or came whole): the room's presence now, by key. */
  presence(entries: ReadonlyMap<string, PresenceEntry>): void;
  /** The session, or a room's missed messages, could not be recovered. */
  reset(reset: Reset): void;
  /** The server has taken the message `send` returned this id for. */
  acknowledged(id: string): void;
}

export interface ConnectionOptions {
  /** For tests: the WebSocket class (default the global one) and the backoff. */
  WebSocket?: WebSocketConstructor;
  backoff?: Partial<Backoff>;
}

/**
 * The page's connection to one chat room, a session client (`hypern-workers/client`): it reconnects
 * with backoff after every close the page did not ask for, resumes the session, and sends again what
 * the server had not taken. The client stops when retrying cannot help: after a close code that says
 * so, or when the server refused the upgrade for good (which, in a browser, it learns with a plain GET
 * of the same address), and says why.
 */
export class ChatConnection {
  readonly #client: SessionClient<unknown, never>;
  #ended = false;

  constructor(url: string, listener: ConnectionListener, options: ConnectionOptions = {}) {
    this.#client = new SessionClient(url, {
      ...(options.WebSocket && { WebSocket: options.WebSocket }),
      ...(options.backoff && { backoff: options.backoff }),
    });
    // The client connects once the constructor has returned, so no event is missed.
    this.#client.on("state", (state) => this.#ifLive(() => listener.state(this.#phase(state))));
    this.#client.on("reset", (reset) => this.#ifLive(() => listener.reset(reset)));
    this.#client.on("acknowledged", (id) => this.#ifLive(() => listener.acknowledged(id)));
    this.#client.on("presence", ({ room }) => {
      if (room === CHAT_ROOM) this.#ifLive(() => listener.presence(this.#client.presence(room)));
    });
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
      case "closed": {
        const { status, why } = state.close;
        return status !== undefined && why !== undefined
          ? { phase: "refused", refusal: { status, why } }
          : { phase: "stopped", close: closeOf(state.close) };
      }
    }
  }
}

function closeOf({ code, reason, opened, why }: CloseInfo): Close {
  return opened || why === undefined ? { code, reason } : { code, reason, why };
}
