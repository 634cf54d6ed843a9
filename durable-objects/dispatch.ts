import { MAX_CLOSE_REASON_BYTES, isSendableCloseCode } from "../src/shared/close-code.js";
import { CLOSED, OPEN } from "../src/shared/ready-state.js";
import { truncateUtf8 } from "../src/shared/utf8.js";
import type { Frame } from "./connection/frames.js";
import type { Logger } from "./connection/logger.js";
import type { Connections } from "./connections.js";
import type { Liveness } from "./liveness.js";
import type { ObjectPart } from "./rooms/rooms.js";
import type { SessionParts } from "./sessions/session-parts.js";

/** The code a close frame without a code is reported with; it never travels in a frame. */
const NO_STATUS_RECEIVED = 1005;
const PROTOCOL_ERROR = 1002;

/** What the runtime's WebSocket events need from the room object. */
export interface DispatchDeps {
  readonly connections: Connections;
  readonly traffic: SessionParts["traffic"];
  readonly liveness: Liveness;
  readonly logger: Logger;
  readonly part: ObjectPart;
  /** A socket's close is about to be handled: what must be read while it still counts as open is read now. */
  closing(socket: WebSocket): void;
}

/**
 * The runtime's hibernatable WebSocket events, handed to the connection they are for (its handler
 * rerun if it was dormant). Each returns, while the handler has not taken what the event brought, a
 * promise that keeps the event open: the room object does not hibernate with messages in memory.
 */
export class Dispatch {
  readonly #deps: DispatchDeps;

  constructor(deps: DispatchDeps) {
    this.#deps = deps;
  }

  message(socket: WebSocket, frame: Frame): Promise<void> | undefined {
    try {
      return this.#message(socket, frame);
    } catch (error) {
      return this.#failed(socket, error);
    }
  }

  closed(socket: WebSocket, code: number, reason: string): Promise<void> | undefined {
    try {
      this.#deps.closing(socket);
      answerClose(socket, code, reason);
      // A socket the server was closing is let go only now: a shard's held count changes.
      this.#deps.part.changed();
      return this.#ended(socket, code, reason);
    } catch (error) {
      return this.#failed(socket, error);
    }
  }

  /** The socket failed: nothing to answer, the handler sees an abnormal closure. */
  errored(socket: WebSocket, error: unknown): Promise<void> | undefined {
    try {
      this.#deps.closing(socket);
      this.#deps.part.changed();
      return this.#ended(socket, 1006, error instanceof Error ? error.message : String(error));
    } catch (failure) {
      return this.#failed(socket, failure);
    }
  }

  /**
   * Nothing a client sends may throw out of the runtime's event (it would be an uncaught error, and
   * the connection would stay open): a failure is logged, and its connection closed with 1011.
   */
  #failed(socket: WebSocket, error: unknown): undefined {
    console.error("[hypern] a WebSocket event failed; closing its connection with 1011:", error);
    const running = this.#deps.connections.running(socket);
    try {
      if (running !== undefined) running.closeUnder(1011, "Internal error");
      else if (socket.readyState === OPEN) socket.close(1011, "Internal error");
    } catch {
      // Closed meanwhile: nothing more to do.
    }
    return undefined;
  }

  #message(socket: WebSocket, frame: Frame): Promise<void> | undefined {
    const connection = this.#deps.connections.of(socket);
    // After the server's close, frames still in flight from the client are not the handler's.
    if (connection === undefined || !connection.isOpen) return undefined;
    const { session, route } = connection.record;
    this.#deps.liveness.heard(socket, route);
    const violation =
      session === null
        ? (connection.checkFrame(frame) ?? connection.enqueue(frame))
        : this.#deps.traffic.receive(connection, session, frame);
    if (violation !== undefined) connection.closeForLibrary(violation);
    return connection.untaken();
  }

  #ended(socket: WebSocket, code: number, reason: string): Promise<void> | undefined {
    const connection = this.#deps.connections.of(socket);
    if (connection === undefined) return undefined;
    this.#deps.logger.clientClosed(connection.record, code, reason);
    connection.remoteClosed(code, reason);
    return connection.untaken();
  }
}

/**
 * Completes the closing handshake: the runtime does not answer a hibernatable socket's close frame.
 * A socket that is already CLOSED (the client vanished: 1006) has nobody to answer. The reason is
 * echoed as far as it fits: invalid UTF-8 from the client decodes to U+FFFD, three bytes each.
 */
function answerClose(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === CLOSED) return;
  try {
    // 1005 means the client's frame had no code: answer with none either (sending 1005 throws).
    if (code === NO_STATUS_RECEIVED) socket.close();
    else if (isSendableCloseCode(code)) socket.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
    else socket.close(PROTOCOL_ERROR, "Invalid close code");
  } catch {
    // Already closed from our side: nothing to answer.
  }
}
