import { WebSocketError } from "./errors.js";

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
  /**
   * Request headers as [lower-case name, value] pairs, up to STORED_HEADER_BYTES: past it the largest
   * values are left out (the first run of the handler still sees them all).
   */
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

/** How much of the attachment the request headers may take, leaving the rest to rooms and ws.data. */
export const STORED_HEADER_BYTES = 8_192;

type HeaderPair = readonly [string, string];

/** The headers to store: all of them if they fit STORED_HEADER_BYTES, else all but the largest values. */
export function headersToStore(headers: readonly HeaderPair[]): readonly HeaderPair[] {
  const size = ([name, value]: HeaderPair): number => name.length + value.length;
  let total = headers.reduce((sum, pair) => sum + size(pair), 0);
  if (total <= STORED_HEADER_BYTES) return headers;
  const left = new Set<HeaderPair>();
  for (const pair of [...headers].sort((a, b) => size(b) - size(a))) {
    if (total <= STORED_HEADER_BYTES) break;
    left.add(pair);
    total -= size(pair);
  }
  return headers.filter((pair) => !left.has(pair));
}

export function readRecord(socket: WebSocket): ConnectionRecord | null {
  return socket.deserializeAttachment() as ConnectionRecord | null;
}

/** Writes the record into the socket's attachment, or explains why it does not fit. */
export function persistRecord(socket: WebSocket, record: ConnectionRecord): void {
  try {
    socket.serializeAttachment(record);
  } catch (error) {
    throw new WebSocketError(
      `The connection's record (ws.data, rooms joined, up to ${STORED_HEADER_BYTES} bytes of request headers) does not ` +
        `fit the runtime's ${MAX_ATTACHMENT_BYTES}-byte WebSocket attachment; keep ws.data small and store bulk state ` +
        "in Durable Object storage",
      { cause: error },
    );
  }
}
