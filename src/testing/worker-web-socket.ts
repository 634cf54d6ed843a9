import type { WebSocketConstructor, WebSocketLike } from "../client/index.js";
import { httpAddressOf } from "../client/plain-get.js";
import type { Fetcher } from "./connect.js";
import { upgrade } from "./connect.js";

export interface WorkerWebSocketOptions {
  /** Where to send the upgrade. Default: the Worker under test (the main module's default export). */
  fetcher?: Fetcher;
  /** Extra request headers on the upgrade (Origin, cookies, ...). */
  headers?: Record<string, string>;
}

/** What the server sees of a drop: a close that is not a goodbye (1000 and 1001 end a session; this does not). */
const DROP = { code: 4999, reason: "dropped" } as const;
/** How much of a refused upgrade's body goes into the error the socket reports. */
const LONGEST_BODY = 300;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

type Listener = (event: never) => void;

/**
 * The client end of a WebSocket to the Worker under test, for a `SessionClient`
 * (`new SessionClient(url, { WebSocket: WorkerWebSocket })`): a workerd test has no network to dial,
 * so the upgrade goes through the Worker's `fetch` (as `connect()`'s does), and the socket is the
 * response's. A refused upgrade is reported as an `error` (with the status and body) and a 1006 close.
 * `drop()` cuts the connection as a network failure would.
 */
export class WorkerWebSocket implements WebSocketLike {
  readonly url: string;
  binaryType = "arraybuffer";
  readyState: number = CONNECTING;
  /** The subprotocol the server chose, once open; "" for none. */
  protocol = "";
  readonly #listeners = new Map<string, Listener[]>();
  #socket: WebSocket | null = null;
  /** The close to send the server once its socket arrives, when this side ended while connecting. */
  #leaving: { code?: number; reason?: string } | null = null;

  constructor(url: string, protocols: string | string[] = [], options: WorkerWebSocketOptions = {}) {
    this.url = url;
    void this.#open(protocols, options);
  }

  addEventListener(type: "open", listener: () => void): void;
  /** `error` is an Error saying why: a refused upgrade's status and body, or what the upgrade threw. */
  addEventListener(type: "error", listener: (event: { readonly type: "error"; readonly error: unknown }) => void): void;
  /** Text as a string, binary as an ArrayBuffer. */
  addEventListener(type: "message", listener: (event: { readonly data: string | ArrayBuffer }) => void): void;
  addEventListener(type: "close", listener: (event: { readonly code: number; readonly reason: string }) => void): void;
  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    if (this.readyState !== OPEN || this.#socket === null)
      throw new Error(`${this.url}: cannot send, the WebSocket is not open`);
    this.#socket.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= CLOSING) return;
    if (this.#socket === null) {
      // As a browser's WebSocket closed while connecting: it fails at once, and the server hears the close when it
      // answers.
      this.#leaving = { code, reason };
      this.#end(1006, "");
      return;
    }
    this.readyState = CLOSING;
    this.#socket.close(code, reason);
  }

  /**
   * Cuts the connection as a network failure would: this side sees a 1006 close at once and hears
   * nothing more; the server sees a close (4999) that is not a goodbye, so a session stays resumable.
   */
  drop(): void {
    if (this.readyState === CLOSED) return;
    if (this.#socket === null) this.#leaving = DROP;
    else {
      try {
        this.#socket.close(DROP.code, DROP.reason);
      } catch {
        // The server's socket is closing already.
      }
    }
    this.#end(1006, "");
  }

  async #open(protocols: string | string[], options: WorkerWebSocketOptions): Promise<void> {
    let response: Response;
    try {
      response = await upgrade(httpAddressOf(this.url), { ...options, protocols });
    } catch (error) {
      this.#fail(`The upgrade of ${this.url} threw: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const socket = response.webSocket;
    if (response.status !== 101 || socket === null) {
      const body = (await response.text().catch(() => "")).slice(0, LONGEST_BODY);
      this.#fail(
        `The upgrade of ${this.url} was refused with HTTP ${response.status}${body === "" ? "" : `: ${body}`}`,
      );
      return;
    }
    socket.accept();
    if (this.#leaving !== null) {
      socket.close(this.#leaving.code, this.#leaving.reason);
      return;
    }
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    this.protocol = response.headers.get("Sec-WebSocket-Protocol") ?? "";
    socket.addEventListener("message", (event) => {
      if (this.readyState !== CLOSED) this.#emit("message", { data: event.data });
    });
    socket.addEventListener("error", (event) => {
      if (this.readyState !== CLOSED) this.#emit("error", { type: "error", error: event.error });
    });
    socket.addEventListener("close", (event) => this.#end(event.code, event.reason));
    this.readyState = OPEN;
    this.#emit("open", {});
  }

  #fail(message: string): void {
    if (this.readyState === CLOSED) return;
    this.#emit("error", { type: "error", error: new Error(message) });
    this.#end(1006, "");
  }

  #end(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#emit("close", { code, reason });
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (event: unknown) => void)(event);
  }
}

/**
 * A `WorkerWebSocket` class with these options, for `SessionClientOptions.WebSocket`; `made` is handed
 * each socket as the client makes it, so that a test can drop the one in use.
 */
export function workerWebSocketClass(
  options: WorkerWebSocketOptions = {},
  made?: (socket: WorkerWebSocket) => void,
): WebSocketConstructor {
  return class extends WorkerWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, options);
      made?.(this);
    }
  };
}
