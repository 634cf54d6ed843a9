import type { WaitOptions } from "./wait.js";
import { DEFAULT_TIMEOUT_MS } from "./wait.js";

/** A message as a test client receives it: text as a string, binary as an ArrayBuffer. */
export type ReceivedFrame = string | ArrayBuffer;

/** How a connection ended, as the client saw it. */
export interface ClosedEvent {
  readonly code: number;
  readonly reason: string;
}

/**
 * The client end of a connection opened by `connect()`, with an inbox: messages wait until the test
 * takes them, in order, and every wait fails after a timeout with a message that says what it waited for.
 */
export class TestSocket {
  /** The subprotocol the server chose, or null. */
  readonly protocol: string | null;
  /** The headers of the 101 response. */
  readonly headers: Headers;
  readonly #socket: WebSocket;
  readonly #label: string;
  readonly #inbox: ReceivedFrame[] = [];
  readonly #waiters: ((frame: ReceivedFrame | undefined) => void)[] = [];
  #closed: ClosedEvent | null = null;
  readonly #closedWaiters: (() => void)[] = [];

  /** @internal Made by `connect()`. */
  constructor(response: Response, label: string) {
    const socket = response.webSocket;
    if (socket === null) throw new TypeError(`${label}: the response has no WebSocket`);
    this.#socket = socket;
    this.#label = label;
    this.headers = response.headers;
    this.protocol = response.headers.get("Sec-WebSocket-Protocol");
    socket.accept();
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => {
      const frame = event.data as ReceivedFrame;
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) waiter(frame);
      else this.#inbox.push(frame);
    });
    socket.addEventListener("close", (event) => {
      this.#closed = { code: event.code, reason: event.reason };
      for (const waiter of this.#waiters.splice(0)) waiter(undefined);
      for (const waiter of this.#closedWaiters.splice(0)) waiter();
    });
  }

  /** How the connection ended, once it has (without waiting); null while it is open. */
  get closedEvent(): ClosedEvent | null {
    return this.#closed;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#socket.send(data);
  }

  /** Sends `value` as JSON text. */
  sendJson(value: unknown): void {
    this.#socket.send(JSON.stringify(value));
  }

  close(code?: number, reason?: string): void {
    this.#socket.close(code, reason);
  }

  /** The next message, text or binary. Fails on a timeout, or when the connection closes first. */
  receive(options?: WaitOptions): Promise<ReceivedFrame> {
    const waiting = this.#inbox.shift();
    if (waiting !== undefined) return Promise.resolve(waiting);
    if (this.#closed !== null) return Promise.reject(this.#closedError());
    const timeout = options?.timeout ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const waiter = (frame: ReceivedFrame | undefined): void => {
        clearTimeout(timer);
        if (frame === undefined) reject(this.#closedError());
        else resolve(frame);
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`${this.#label}: no message within ${timeout} ms`));
      }, timeout);
      this.#waiters.push(waiter);
    });
  }

  /** The next message, which must be text. */
  async receiveText(options?: WaitOptions): Promise<string> {
    const frame = await this.receive(options);
    if (typeof frame !== "string")
      throw new TypeError(`${this.#label}: expected a text message, got ${frame.byteLength} binary bytes`);
    return frame;
  }

  /** The next message, which must be JSON text. */
  async receiveJson<T = unknown>(options?: WaitOptions): Promise<T> {
    const text = await this.receiveText(options);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TypeError(`${this.#label}: expected JSON, got ${JSON.stringify(text.slice(0, 200))}`);
    }
  }

  /** The next message, which must be binary. */
  async receiveBytes(options?: WaitOptions): Promise<Uint8Array> {
    const frame = await this.receive(options);
    if (typeof frame === "string")
      throw new TypeError(`${this.#label}: expected a binary message, got text ${JSON.stringify(frame.slice(0, 200))}`);
    return new Uint8Array(frame);
  }

  /** Everything that arrives within `ms`, and whatever was already waiting: `[]` means silence. */
  async collect(ms: number): Promise<ReceivedFrame[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.#inbox.splice(0);
  }

  /** The close, once the connection has ended (either side), with its code and reason. */
  closed(options?: WaitOptions): Promise<ClosedEvent> {
    if (this.#closed !== null) return Promise.resolve(this.#closed);
    const timeout = options?.timeout ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(this.#closed as ClosedEvent);
      };
      const timer = setTimeout(() => {
        this.#closedWaiters.splice(this.#closedWaiters.indexOf(waiter), 1);
        reject(new Error(`${this.#label}: the connection did not close within ${timeout} ms`));
      }, timeout);
      this.#closedWaiters.push(waiter);
    });
  }

  #closedError(): Error {
    const { code, reason } = this.#closed as ClosedEvent;
    return new Error(
      `${this.#label}: closed (${code}${reason ? ` ${JSON.stringify(reason)}` : ""}) before a message came`,
    );
  }
}
