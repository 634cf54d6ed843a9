import type { Backoff } from "./backoff.js";
import type { CloseInfo } from "./close-info.js";
import type { FetchLike } from "./plain-get.js";
import type { WebSocketConstructor } from "./websocket.js";

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
