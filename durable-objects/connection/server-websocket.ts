import type { Connection } from "./connection.js";
import type { WebSocketMessage } from "./frames.js";
import { toMessage } from "./frames.js";
import { expectBytes, expectText, parseJson } from "./receive-as.js";
import { bytesPayload, jsonPayload, textPayload } from "../../src/shared/payload.js";
import type { Ended, ReceiveOptions } from "./frame-queue.js";
import type { AnyParams } from "../../src/shared/route-params.js";
import { UntilEnded } from "./iterate.js";
import { WebSocketState } from "./state.js";
import type { ReadonlyData } from "../../src/shared/readonly-data.js";
import { deepFreeze } from "../../src/shared/readonly-data.js";

export interface AcceptOptions {
  /** One of the subprotocols the client offered in `Sec-WebSocket-Protocol`. */
  subprotocol?: string;
  /** Extra headers for the 101 response. */
  headers?: HeadersInit;
}

let connectionOf: (ws: ServerWebSocket<AnyParams, unknown>) => Connection;

/** The library's side of the facade: the connection behind a handler's `ws`. */
export function connectionBehind(ws: ServerWebSocket<AnyParams, unknown>): Connection {
  return connectionOf(ws);
}

/**
 * The server's end of one client connection, as a handler sees it: Hypern's `WebSocket` (exported
 * under that name too).
 *
 * `accept()` first; then `send*()` and `receive*()`; the end comes as a `WebSocketDisconnect` from a
 * receive (or a send after the client left). After a hibernation the handler runs again on the same
 * connection with `rerun === true`.
 *
 * @typeParam Params - the route params, typed from the route's path pattern.
 * @typeParam Data - the per-connection state kept with `setData()`.
 */
export class ServerWebSocket<Params = AnyParams, Data = unknown> {
  readonly #connection: Connection;
  #headers: Headers | undefined;
  #queryParams: URLSearchParams | undefined;

  static {
    connectionOf = (ws) => ws.#connection;
  }

  /** @internal Handlers receive their `ws`; it is not made by user code. */
  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** Server-made connection id (a UUID), stable across hibernation. */
  get id(): string {
    return this.#connection.record.id;
  }

  get state(): WebSocketState {
    return this.#connection.state;
  }

  get isConnected(): boolean {
    return this.#connection.state === WebSocketState.CONNECTED;
  }

  /** The request path, as sent (percent-encoded). */
  get path(): string {
    return this.#connection.record.path;
  }

  /** Route params, percent-decoded. */
  get params(): Params {
    return this.#connection.params as Params;
  }

  /**
   * The upgrade request's headers (names are lower-case), after a rerun too: those the connection's
   * attachment cannot hold are kept in the room object's storage (an upgrade with more than 32 KiB of
   * them is refused with 431).
   */
  get headers(): Headers {
    return (this.#headers ??= new Headers(this.#connection.headers as [string, string][]));
  }

  get queryParams(): URLSearchParams {
    return (this.#queryParams ??= new URLSearchParams(this.#connection.record.search));
  }

  /** The client's IP address, from `CF-Connecting-IP`; null when absent. */
  get clientHost(): string | null {
    return this.#connection.record.clientHost;
  }

  /**
   * How the connection ended, once it has (either side closed it): its close code and reason, as the
   * `WebSocketDisconnect` that ended a loop would carry them; null while it is open.
   */
  get closed(): { readonly code: number; readonly reason: string } | null {
    return this.#connection.ending;
  }

  /** The subprotocol chosen at `accept()`, or null. */
  get subprotocol(): string | null {
    return this.#connection.record.subprotocol;
  }

  /**
   * True when the handler runs again (a rerun) after the room object hibernated (or was evicted) while
   * the connection stayed open. `accept()` then resolves at once and the rooms joined are already
   * joined: guard one-time effects (a "joined" notice) with `if (!ws.rerun)`.
   */
  get rerun(): boolean {
    return this.#connection.rerun;
  }

  /** @deprecated Renamed `rerun` (a rerun after hibernation; "resume" is what a session does). Removed in 0.3. */
  get resumed(): boolean {
    return this.#connection.rerun;
  }

  /**
   * True when the client resumed a session that had dropped (a session client, on a route with
   * `sessions`): this connection took back the session's `id`, `data` and rooms, and the broadcasts
   * and messages the client missed have been sent to it, before anything new. The earlier connection's
   * handler has run its disconnect path; guard one-time effects with `if (!ws.recovered)` too.
   * (Not a rerun: `rerun` is false on the first run of a resumed session's new connection.)
   */
  get recovered(): boolean {
    return this.#connection.recovered;
  }

  /**
   * Per-connection state that survives hibernation; set it with `setData()`. Read-only (and frozen):
   * a change made in place would not be stored.
   */
  get data(): ReadonlyData<Data> | undefined {
    return deepFreeze(this.#connection.record.data as Data | undefined);
  }

  /**
   * Replaces `data` and stores it with the connection, so it survives hibernation. What is stored is
   * its JSON (a Date becomes a string, as it would after a wake), and `data` is then a frozen copy.
   * @throws WebSocketError past `limits.maxDataBytes` (measured as JSON), or when the connection's
   * record would not fit the runtime's 16 KiB attachment; `data` is then unchanged.
   */
  setData(data: Data): void {
    this.#connection.setData(data);
  }

  /**
   * Completes the WebSocket handshake: the 101 response is sent only now.
   * @throws WebSocketError on a second call, after `close()`, or for a subprotocol the client did not offer.
   */
  async accept(options?: AcceptOptions): Promise<void> {
    this.#connection.accept(options?.subprotocol, options?.headers);
  }

  /** @throws WebSocketError before `accept()` or after `close()`; WebSocketDisconnect once the client has left. */
  sendText(text: string): void {
    this.#connection.send(textPayload(text, "sendText"));
  }

  /** @throws WebSocketError before `accept()` or after `close()`; WebSocketDisconnect once the client has left. */
  sendBytes(data: ArrayBuffer | ArrayBufferView): void {
    this.#connection.send(bytesPayload(data, "sendBytes"));
  }

  /** Sends `value` as compact JSON text. */
  sendJson(value: unknown): void {
    this.#connection.send(jsonPayload(value, "sendJson"));
  }

  /**
   * The next message, text or bytes.
   * @throws WebSocketDisconnect once the connection is closed; TimeoutError after `timeout` ms.
   */
  receive(options?: ReceiveOptions): Promise<WebSocketMessage> {
    return this.#connection.take(toMessage, options);
  }

  /** The next message, which must be text. A binary frame raises a WebSocketError carrying it. */
  receiveText(options?: ReceiveOptions): Promise<string> {
    return this.#connection.take(expectText, options);
  }

  /** The next message, which must be binary. A text frame raises a WebSocketError carrying it. */
  receiveBytes(options?: ReceiveOptions): Promise<Uint8Array> {
    return this.#connection.take(expectBytes, options);
  }

  /** The next message, which must be JSON text. Bad JSON raises a WebSocketError carrying the frame. */
  receiveJson<T = unknown>(options?: ReceiveOptions): Promise<T> {
    return this.#connection.take(parseJson, options) as Promise<T>;
  }

  /**
   * The messages, one at a time, until the connection closes: `for await (const message of ws.iter())`.
   * The loop ends quietly when the client leaves or the connection is closed; a timeout ends it by throwing.
   */
  iter(options?: ReceiveOptions): AsyncIterableIterator<WebSocketMessage> {
    return new UntilEnded(() => this.#connection.next(toMessage, options));
  }

  /**
   * `for await (const text of ws.iterText())`: text messages until the connection closes. A binary frame ends it by
   * throwing a WebSocketError.
   */
  iterText(options?: ReceiveOptions): AsyncIterableIterator<string> {
    return new UntilEnded(() => this.#connection.next(expectText, options));
  }

  /** Binary messages until the connection closes. A text frame ends it by throwing a WebSocketError. */
  iterBytes(options?: ReceiveOptions): AsyncIterableIterator<Uint8Array> {
    return new UntilEnded(() => this.#connection.next(expectBytes, options));
  }

  /**
   * JSON messages until the connection closes. Bad JSON ends it by throwing a WebSocketError that carries the frame.
   */
  iterJson<T = unknown>(options?: ReceiveOptions): AsyncIterableIterator<T> {
    return new UntilEnded(() => this.#connection.next(parseJson, options) as Promise<T | Ended>);
  }

  /**
   * Closes the connection (before `accept()`: refuses the upgrade with HTTP 403). Idempotent.
   * @throws RangeError for a code outside 1000-1003, 1007-1014, 3000-4999 or a reason over 123 UTF-8 bytes.
   */
  close(code = 1000, reason = ""): void {
    this.#connection.close(code, reason);
  }
}
