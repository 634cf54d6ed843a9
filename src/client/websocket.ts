/** What the client needs of a WebSocket: the browser's, Node 22's global one, or the `ws` package's. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open", listener: () => void): void;
  /** `error` is the Error behind the event where the implementation gives one (Node's do, browsers do not). */
  addEventListener(type: "error", listener: (event: { readonly type: string; readonly error?: unknown }) => void): void;
  addEventListener(type: "message", listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { readonly code: number; readonly reason: string }) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/**
 * The WebSocket class to use: the option, else the global one; a TypeError that says what to do when there is neither.
 */
export function webSocketClass(option: WebSocketConstructor | undefined): WebSocketConstructor {
  const found: unknown = option ?? (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof found === "function") return found as WebSocketConstructor;
  const missing =
    option === undefined
      ? "this runtime has no global WebSocket (Node has one from version 22)"
      : "the `WebSocket` option is not a class";
  throw new TypeError(
    `SessionClient needs a WebSocket class, and ${missing}. On Node before 22, pass the ws package's: ` +
      '`import { WebSocket } from "ws"`, then `new SessionClient(url, { WebSocket })`. Browsers have one.',
  );
}
