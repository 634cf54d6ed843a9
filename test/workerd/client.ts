import { exports } from "cloudflare:workers";

type Frame = string | ArrayBuffer;

/** The upgrade response for a path, as a client gets it from the Worker. */
export function upgrade(path: string, init: { headers?: Record<string, string>; method?: string } = {}): Promise<Response> {
  return exports.default.fetch(`http://example.com${path}`, {
    method: init.method ?? "GET",
    headers: { Upgrade: "websocket", ...init.headers },
  });
}

/** Opens a WebSocket to the test Worker; fails clearly when the upgrade is refused. */
export async function connect(path: string, headers?: Record<string, string>): Promise<TestClient> {
  const response = await upgrade(path, { headers });
  if (response.status !== 101 || response.webSocket === null) {
    throw new Error(`Expected 101 for ${path}, got ${response.status}: ${await response.text()}`);
  }
  return new TestClient(response);
}

/** A client socket with an inbox, so tests can await messages in order. */
export class TestClient {
  readonly response: Response;
  readonly socket: WebSocket;
  /** Settles with the close the client saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #inbox: Frame[] = [];
  readonly #waiters: ((frame: Frame) => void)[] = [];

  constructor(response: Response) {
    this.response = response;
    this.socket = response.webSocket as WebSocket;
    this.socket.accept();
    this.socket.binaryType = "arraybuffer";
    this.socket.addEventListener("message", (event) => {
      const frame = event.data as Frame;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#inbox.push(frame);
    });
    this.closed = new Promise((resolve) => {
      this.socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason }));
    });
  }

  next(timeoutMs = 5_000): Promise<Frame> {
    const frame = this.#inbox.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`No message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (received: Frame): void => {
        clearTimeout(timer);
        resolve(received);
      };
      this.#waiters.push(waiter);
    });
  }

  async nextText(timeoutMs?: number): Promise<string> {
    const frame = await this.next(timeoutMs);
    if (typeof frame !== "string") throw new Error("Expected a text message, got a binary one");
    return frame;
  }

  async nextJson<T = Record<string, unknown>>(timeoutMs?: number): Promise<T> {
    return JSON.parse(await this.nextText(timeoutMs)) as T;
  }

  /** Nothing arrives for `ms`: resolves with what did arrive (the test asserts it is empty). */
  async silence(ms: number): Promise<Frame[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.#inbox.splice(0);
  }

  send(frame: string | ArrayBuffer | ArrayBufferView): void {
    this.socket.send(frame);
  }

  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }
}

/** Waits until `check` holds, polling; for effects that land after an event (a report, a close). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
