import type { WebSocketMessage } from "./frames.js";

/** Misuse of a connection (wrong state, wrong frame type, bad JSON). The connection stays open. */
export class WebSocketError extends Error {
  override name = "WebSocketError";
  /** The frame that could not be handed over as asked, when the error is about a received frame. */
  readonly frame: WebSocketMessage | undefined;

  constructor(message: string, options?: { frame?: WebSocketMessage; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.frame = options?.frame;
  }
}

/**
 * The connection is closed, by either side. Raised by every pending and later `receive*()`, and by a
 * send after the client has gone. Code 1005 means the client gave no code, 1006 that it vanished.
 */
export class WebSocketDisconnect extends Error {
  override name = "WebSocketDisconnect";

  constructor(
    readonly code = 1000,
    readonly reason = "",
  ) {
    super(`WebSocket disconnected: code=${code}${reason ? ` reason=${reason}` : ""}`);
  }
}

/**
 * A receive gave up: its `timeout` passed, or its `signal` was `AbortSignal.timeout()`'s. The
 * connection stays open and the message that comes later is kept.
 */
export class TimeoutError extends Error {
  override name = "TimeoutError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * The disconnect a connection's receives end with. It is control flow, made once per connection, and
 * its stack would only show the library's internals: skipping the capture saves measurable time per
 * connection. (A send's own WebSocketDisconnect keeps its stack: it points at the handler's call.)
 */
export function endOfConnection(code: number, reason: string): WebSocketDisconnect {
  const errors = Error as ErrorConstructor & { stackTraceLimit: number };
  const limit = errors.stackTraceLimit;
  errors.stackTraceLimit = 0;
  try {
    return new WebSocketDisconnect(code, reason);
  } finally {
    errors.stackTraceLimit = limit;
  }
}
