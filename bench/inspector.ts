import WebSocket from "ws";

/** A minimal Chrome DevTools Protocol client for workerd's inspector. */
export class Inspector {
  readonly #socket: WebSocket;
  readonly opened: Promise<void>;
  #nextId = 1;
  readonly #pending = new Map<number, (result: unknown) => void>();

  constructor(url: string) {
    this.#socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.#socket.once("open", () => resolve());
      this.#socket.once("error", reject);
    });
    this.#socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      if (message.error) throw new Error(message.error.message);
      this.#pending.get(message.id)?.(message.result);
      this.#pending.delete(message.id);
    });
  }

  call(method: string, params?: object): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.#socket.close();
  }
}
