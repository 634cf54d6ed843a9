import { exports } from "cloudflare:workers";
import type { WebSocketLike } from "../../src/client/index.js";

type Listener = (event: never) => void;

/**
 * The session client's WebSocket, over the test Worker's `fetch` (a workerd test has no network to
 * dial): an upgrade through `exports.default.fetch`, then the response's socket. `drop()` cuts the
 * connection as a network failure would: this side sees 1006 at once and hears nothing more, the
 * server sees a close that is not a goodbye.
 */
export class FetchWebSocket implements WebSocketLike {
  /** Every socket made, newest last, so a test can drop the one a client uses. */
  static readonly made: FetchWebSocket[] = [];

  binaryType = "arraybuffer";
  readyState = 0;
  protocol = "";
  readonly url: string;
  /** Frames received so far. */
  received = 0;
  #socket: WebSocket | null = null;
  readonly #listeners = new Map<string, Listener[]>();
  #ended = false;

  constructor(url: string, protocols: string | string[] = []) {
    this.url = url;
    FetchWebSocket.made.push(this);
    void this.#open(url, typeof protocols === "string" ? [protocols] : protocols);
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    if (this.readyState !== 1 || this.#socket === null) throw new Error("Not open");
    this.#socket.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this.#socket?.close(code, reason);
  }

  drop(): void {
    if (this.#ended) return;
    try {
      this.#socket?.close(4999, "dropped");
    } catch {
      // Already closing.
    }
    this.#end(1006, "");
  }

  async #open(url: string, protocols: string[]): Promise<void> {
    let response: Response;
    try {
      response = await exports.default.fetch(url, { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols.join(", ") } });
    } catch {
      this.#end(1006, "");
      return;
    }
    const socket = response.webSocket;
    if (response.status !== 101 || socket === null) {
      this.#end(1006, "");
      return;
    }
    socket.accept();
    this.#socket = socket;
    this.protocol = response.headers.get("Sec-WebSocket-Protocol") ?? "";
    socket.addEventListener("message", (event) => {
      if (this.#ended) return;
      this.received += 1;
      this.#emit("message", { data: event.data });
    });
    socket.addEventListener("close", (event) => this.#end(event.code, event.reason));
    if (this.#ended) return;
    this.readyState = 1;
    this.#emit("open", {});
  }

  #end(code: number, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.readyState = 3;
    this.#emit("close", { code, reason });
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (event: unknown) => void)(event);
  }
}
