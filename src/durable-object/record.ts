import { WebSocketError } from "../errors.js";

/**
 * Everything the library knows about a connection, kept in the socket's attachment so that it survives
 * hibernation: after a wake, the connection is rebuilt from this record alone.
 */
export interface ConnectionRecord {
  /** Server-made, never from the client. */
  readonly id: string;
  /** The route pattern the connection matched; the handler is looked up by it on resume. */
  readonly route: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string | undefined>>;
  /** Request headers as [lower-case name, value] pairs, without the library's internal headers. */
  readonly headers: readonly (readonly [string, string])[];
  /** The raw query string, with its leading "?" or empty. */
  readonly search: string;
  readonly clientHost: string | null;
  subprotocol: string | null;
  /** Names of the rooms joined, in join order. */
  rooms: string[];
  data: unknown;
  /** Set once the server has sent its close frame: later events for the socket are not the handler's. */
  closing: boolean;
}

/** The runtime's limit on a hibernatable WebSocket's attachment. */
export const MAX_ATTACHMENT_BYTES = 16_384;

export function readRecord(socket: WebSocket): ConnectionRecord | null {
  return socket.deserializeAttachment() as ConnectionRecord | null;
}

/** Writes the record into the socket's attachment, or explains why it does not fit. */
export function persistRecord(socket: WebSocket, record: ConnectionRecord): void {
  try {
    socket.serializeAttachment(record);
  } catch (error) {
    throw new WebSocketError(
      `The connection's record (ws.data, headers, rooms) does not fit the runtime's ${MAX_ATTACHMENT_BYTES}-byte ` +
        "WebSocket attachment; keep ws.data small and store bulk state in Durable Object storage",
      { cause: error },
    );
  }
}
