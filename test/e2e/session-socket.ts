import WebSocket from "ws";
import type { WebSocketLike } from "../../src/client/index.js";

type Listener = (event: never) => void;

/**
 * The session client's WebSocket in Node, on the `ws` package, with one thing more: `vanish()` makes
 * the client see its connection drop (1006) while the TCP connection stays open, as when a network
 * goes away without the server noticing. The server then sees the client come back on a new socket
 * while the old one still looks open.
 */
export class SessionSocket implements WebSocketLike {
  /** Every socket made, newest last. */
  static readonly made: SessionSocket[] = [];

  readonly #socket: WebSocket;
  readonly #listeners = new Map<string, Listener[]>();
  #vanished = false;

  constructor(url: string, protocols?: string | string[]) {
    this.#socket = new WebSocket(url, protocols);
    this.#socket.on("error", () => {}); // a browser's socket may have no error listener either
    for (const type of ["open", "message", "close", "error"] as const) {
      this.#socket.addEventListener(type, (event) => {
        if (!this.#vanished) this.#emit(type, event);
      });
    }
    SessionSocket.made.push(this);
  }

  get binaryType(): string {
    return this.#socket.binaryType;
  }

  set binaryType(type: string) {
    this.#socket.binaryType = type as "arraybuffer";
  }

  get readyState(): number {
    return this.#vanished ? WebSocket.CLOSED : this.#socket.readyState;
  }

  get protocol(): string {
    return this.#socket.protocol;
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.#socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#socket.close(code, reason);
  }

  vanish(): void {
    this.#vanished = true;
    this.#emit("close", { code: 1006, reason: "" });
  }

  /** Ends the TCP connection for good (after a test). */
  terminate(): void {
    this.#socket.terminate();
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (event: unknown) => void)(event);
  }
}
