import { jsonBytes, utf8Bytes } from "../../src/shared/utf8.js";
import { WebSocketError } from "./errors.js";

/**
 * Everything the library knows about a connection, kept in the socket's attachment so that it survives
 * hibernation: after a wake, the connection is rebuilt from this record (and, for request headers too
 * large for the attachment, from the object's storage).
 */
export interface ConnectionRecord {
  /** Server-made, never from the client. */
  readonly id: string;
  /** The route pattern the connection matched; the handler (and the params) are found by it on a rerun. */
  readonly route: string;
  /** The request path as sent (percent-encoded). */
  readonly path: string;
  /** The raw query string, with its leading "?" or empty. */
  readonly search: string;
  readonly clientHost: string | null;
  /** The request headers as `name: value` lines, or null when they are kept in storage instead. */
  readonly headers: string | null;
  subprotocol: string | null;
  /** Names of the rooms joined, in join order. */
  rooms: string[];
  data: unknown;
  /** Set once the server has sent its close frame: later events for the socket are not the handler's. */
  closing: boolean;
  /** When the handler's pending receive gives up (epoch ms), or null: the object's alarm wakes it then. */
  deadline: number | null;
  /** The session this connection carries (its client negotiated the session protocol), or null. */
  session: string | null;
}

/** A record as the rest of the room object reads it: only its own connection changes it. */
export type RecordView = {
  readonly [Key in keyof ConnectionRecord]: ConnectionRecord[Key] extends string[]
    ? readonly string[]
    : ConnectionRecord[Key];
};

/**
 * The attachment is the record as UTF-8 JSON bytes, so that its size is exactly what the budgets below
 * count. The runtime holds at most 16,384 bytes per socket; the budgets add up to less than that:
 *
 * | part                                                  | at most                                      |
 * |-------------------------------------------------------|----------------------------------------------|
 * | id, route, client address, subprotocol, flags, keys   | FIXED_BYTES                                  |
 * | path and query                                        | MAX_URL_BYTES (the upgrade gets 414 past it) |
 * | names of the rooms joined                             | MAX_ROOM_NAME_BYTES (join throws past it)    |
 * | ws.data as JSON                                       | limits.maxDataBytes, at most MAX_DATA_BYTES  |
 * | request headers kept inline                           | what is left; past it they go to storage     |
 */
const MAX_ATTACHMENT_BYTES = 16_384;
/** Room for the serialization's own framing of the byte array. */
const ENVELOPE_BYTES = 64;
const FIXED_BYTES = 1_024;
export const MAX_URL_BYTES = 4_096;
const MAX_ROOM_NAME_BYTES = 1_024;
/** Headers past what the attachment holds are kept in storage, up to this; more gets 431. */
export const MAX_HEADER_BYTES = 32_768;

/** The bytes the inline request headers may take, given how much `ws.data` may take. */
export function inlineHeaderBytes(maxDataBytes: number): number {
  return MAX_ATTACHMENT_BYTES - ENVELOPE_BYTES - FIXED_BYTES - MAX_URL_BYTES - MAX_ROOM_NAME_BYTES - maxDataBytes;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function readRecord(socket: WebSocket): ConnectionRecord | null {
  const attachment: unknown = socket.deserializeAttachment();
  if (!(attachment instanceof Uint8Array)) return null;
  return JSON.parse(decoder.decode(attachment)) as ConnectionRecord;
}

/** Writes the record into the socket's attachment, or explains why it does not fit. */
export function persistRecord(socket: WebSocket, record: ConnectionRecord): void {
  const bytes = encoder.encode(JSON.stringify(record));
  if (bytes.byteLength > MAX_ATTACHMENT_BYTES - ENVELOPE_BYTES) {
    throw new WebSocketError(
      `The connection's record (ws.data, rooms joined, path, headers) would take ${bytes.byteLength} bytes, over the ` +
        `runtime's ${MAX_ATTACHMENT_BYTES}-byte WebSocket attachment: keep ws.data small and store bulk state in ` +
        `Durable Object storage`,
    );
  }
  socket.serializeAttachment(bytes);
}

/** Request headers as kept with a connection: `name: value` lines (names are lower-case; values have no newlines). */
export function headerBlock(headers: Iterable<readonly [string, string]>): string {
  let block = "";
  for (const [name, value] of headers) block += `${name}: ${value}\n`;
  return block;
}

export function parseHeaderBlock(block: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const line of block.split("\n")) {
    const colon = line.indexOf(": ");
    if (colon > 0) pairs.push([line.slice(0, colon), line.slice(colon + 2)]);
  }
  return pairs;
}

/** `ws.data` as it is stored: a copy through JSON, within `maxBytes`; or the error that says why it cannot be. */
export function storableData(data: unknown, maxBytes: number): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new WebSocketError("ws.data must be JSON-serializable: it is stored with the connection as JSON", {
      cause: error,
    });
  }
  const size = json === undefined ? 0 : utf8Bytes(json);
  if (size > maxBytes) {
    throw new WebSocketError(
      `ws.data would be ${size} bytes as JSON, over limits.maxDataBytes (${maxBytes}): ` +
        "keep per-connection state small and store the rest in Durable Object storage",
    );
  }
  return json === undefined ? undefined : JSON.parse(json);
}

/** The names of the rooms one connection joins share its attachment: they are bounded. */
export function checkRoomNames(rooms: readonly string[]): void {
  if (jsonBytes(rooms) > MAX_ROOM_NAME_BYTES) {
    throw new WebSocketError(
      `Cannot join room "${rooms.at(-1)}": the names of the rooms one connection joins may take at most ` +
        `${MAX_ROOM_NAME_BYTES} bytes`,
    );
  }
}
