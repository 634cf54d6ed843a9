import WebSocket from "ws";

/** A message as it arrived: its bytes, and whether it came in a binary frame. */
export interface Frame {
  readonly data: Buffer;
  readonly binary: boolean;
}

/** A `ws` client with an inbox, so tests can await messages in order. */
export class Client {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #inbox: Frame[] = [];
  readonly #waiters: ((frame: Frame) => void)[] = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) =>
      this.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.socket.on("message", (data, binary) => {
      // A Buffer: the socket's binaryType is ws's default, "nodebuffer".
      const frame = { data: data as Buffer, binary };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#inbox.push(frame);
    });
  }

  static async open(url: string): Promise<Client> {
    const client = new Client(url);
    await client.opened;
    return client;
  }

  async next(timeoutMs = 10_000): Promise<string> {
    return (await this.nextFrame(timeoutMs)).data.toString();
  }

  nextFrame(timeoutMs = 10_000): Promise<Frame> {
    const frame = this.#inbox.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No message within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((received) => {
        clearTimeout(timer);
        resolve(received);
      });
    });
  }

  async nextJson<T = Record<string, unknown>>(): Promise<T> {
    return JSON.parse(await this.next()) as T;
  }

  /** What arrived within `ms` that nobody asked for. */
  async silence(ms: number): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.#inbox.splice(0).map(({ data }) => data.toString());
  }

  /** Sends a string as a text frame, bytes as a binary one. */
  send(message: string | Uint8Array): void {
    this.socket.send(message);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }
}

/**
 * The HTTP status an upgrade to `url` gets: 101 when the socket opens (it is closed again at once), else the
 * refusal's.
 */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once("unexpected-response", (request, response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    socket.once("open", () => {
      resolve(101);
      socket.close(1000);
    });
    socket.on("error", reject);
  });
}
