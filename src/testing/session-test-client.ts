import type { CloseInfo, ConnectionState, Reset, SessionClientOptions, Welcome } from "../client/index.js";
import { SessionClient } from "../client/index.js";
import { addressOf, workerUnderTest } from "./connect.js";
import type { WaitOptions } from "./wait.js";
import { DEFAULT_TIMEOUT_MS } from "./wait.js";
import type { WorkerWebSocket, WorkerWebSocketOptions } from "./worker-web-socket.js";
import { workerWebSocketClass } from "./worker-web-socket.js";

export interface SessionTestClientOptions extends Omit<SessionClientOptions, "WebSocket">, WorkerWebSocketOptions {
  /** The origin the path is resolved against. Default `http://example.com`. */
  base?: string;
}

/** Reconnects within a fifth of a second, so a test does not wait out a real client's backoff. */
const TEST_BACKOFF = { firstMs: 20, longestMs: 200 };

/**
 * A `SessionClient` connected to a route (with `sessions`) of the Worker under test, its connections
 * made by `WorkerWebSocket`s. `options` are the client's (`backoff` from 20 ms up to 200 ms unless
 * given) and the sockets' (`fetcher`, `headers`), and `base` for the path. It starts connecting at once.
 *
 * @typeParam Incoming - what the server sends, as `json()` returns it.
 * @typeParam Outgoing - what `sendJson` takes.
 */
export function sessionClient<Incoming = unknown, Outgoing = unknown>(
  path: string,
  options: SessionTestClientOptions = {},
): SessionTestClient<Incoming, Outgoing> {
  return new SessionTestClient(path, options);
}

/**
 * A session client in a test, and what it got: the messages its app would see (once each, in order),
 * its welcomes and resets; waits that fail after a timeout saying what was missing; `drop()` to cut
 * its connection as a network failure would.
 */
export class SessionTestClient<Incoming = unknown, Outgoing = unknown> {
  /** The session client itself: its `state`, `pending`, `session`, `on(...)`, `sendBytes`, ... */
  readonly client: SessionClient<Incoming, Outgoing>;
  readonly #label: string;
  readonly #texts: string[] = [];
  readonly #replayed: string[] = [];
  readonly #welcomes: Welcome[] = [];
  readonly #resets: Reset[] = [];
  readonly #sockets: WorkerWebSocket[] = [];
  /** The pending waits, each checked again after every event of the client. */
  readonly #waits = new Set<() => void>();

  /** @internal Made by `sessionClient()`. */
  constructor(
    path: string,
    { base, fetcher = workerUnderTest(), headers, backoff, ...options }: SessionTestClientOptions,
  ) {
    this.#label = `sessionClient(${path})`;
    this.client = new SessionClient(addressOf(path, base), {
      backoff: { ...TEST_BACKOFF, ...backoff },
      // The plain GET that explains a failed upgrade goes to the Worker under test too: a test has no network.
      fetch: (url, { signal }) => fetcher.fetch(url, { signal }),
      ...options,
      WebSocket: workerWebSocketClass({ fetcher, headers }, (socket) => this.#sockets.push(socket)),
    });
    this.client.on("message", (message) => {
      if (typeof message.data !== "string") return;
      this.#texts.push(message.data);
      if (message.replayed) this.#replayed.push(message.data);
      this.#changed();
    });
    this.client.on("welcome", (welcome) => {
      this.#welcomes.push(welcome);
      this.#changed();
    });
    this.client.on("reset", (reset) => this.#resets.push(reset));
    this.client.on("state", () => this.#changed());
  }

  /**
   * The text messages received, once each, in order: the replayed ones where they belong. Binary ones are not kept
   * here.
   */
  get texts(): readonly string[] {
    return this.#texts;
  }

  /** The text messages that came in a replay after a resume (the client missed them while away). */
  get replayed(): readonly string[] {
    return this.#replayed;
  }

  /**
   * The welcomes, one per connection: the first, then one per resume (`recovered: false` when the session was lost).
   */
  get welcomes(): readonly Welcome[] {
    return this.#welcomes;
  }

  /** What the client could not get back (`expired`, `unknown`, `trimmed`, `epoch`); `[]` when nothing was lost. */
  get resets(): readonly Reset[] {
    return this.#resets;
  }

  /** The text messages received, parsed as JSON; a TypeError names the first that is not JSON. */
  json(): Incoming[] {
    return this.#texts.map((text, index) => {
      try {
        return JSON.parse(text) as Incoming;
      } catch {
        throw new TypeError(`${this.#label}: message ${index + 1} is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
      }
    });
  }

  /**
   * Sends text through the session: kept until the server acknowledges it, sent again after a resume. Returns its id.
   */
  send(text: string): string {
    return this.client.send(text);
  }

  sendJson(value: Outgoing): string {
    return this.client.sendJson(value);
  }

  /** Cuts the connection in use as a network failure would (see `WorkerWebSocket.drop`); the client resumes. */
  drop(): void {
    this.#sockets.at(-1)?.drop();
  }

  /** Closes for good (1000): the server ends the session. */
  close(reason?: string): void {
    this.client.close(reason);
  }

  /**
   * Resolves with the `count`th welcome once the client has been welcomed that many times in all and
   * is open: `welcomed(2)` after a drop waits for the resume. What the client missed comes after the
   * welcome: wait for it with `received`. Fails after the timeout, or at once when the client stops
   * for good, saying how far it got and why its last connection closed.
   */
  welcomed(count = 1, options?: WaitOptions): Promise<Welcome> {
    return this.#until(
      () =>
        this.#welcomes.length >= count && this.client.state.state === "open" ? this.#welcomes[count - 1] : undefined,
      () => `welcomed ${this.#welcomes.length} of ${count} times`,
      options,
    );
  }

  /**
   * Resolves with `texts` once at least `count` text messages have arrived in all. Fails as `welcomed` does, showing
   * the last ones.
   */
  received(count: number, options?: WaitOptions): Promise<readonly string[]>;
  /**
   * Resolves with `texts` once the text `last` has arrived: after a burst, wait for its last message,
   * then check the rest (`assertOnceInOrder` names any missing). Fails as `welcomed` does.
   */
  received(last: string, options?: WaitOptions): Promise<readonly string[]>;
  received(until: number | string, options?: WaitOptions): Promise<readonly string[]> {
    const arrived = typeof until === "number" ? () => this.#texts.length >= until : () => this.#texts.includes(until);
    const short =
      typeof until === "number"
        ? () => `of ${until} messages`
        : () => `messages, none of them ${JSON.stringify(until)}`;
    return this.#until(
      () => (arrived() ? this.#texts : undefined),
      () => `received ${this.#texts.length} ${short()} (the last: ${JSON.stringify(this.#texts.slice(-5))})`,
      options,
    );
  }

  #until<T>(result: () => T | undefined, progress: () => string, options: WaitOptions | undefined): Promise<T> {
    const timeout = options?.timeout ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const settle = (settled: () => void): void => {
        clearTimeout(timer);
        this.#waits.delete(check);
        settled();
      };
      const check = (): void => {
        const value = result();
        const { state } = this.client;
        if (value !== undefined) settle(() => resolve(value));
        else if (state.state === "closed")
          settle(() => reject(new Error(`${this.#label}: ${progress()}, and the client is ${inWords(state)}`)));
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new Error(
                `${this.#label}: ${progress()} within ${timeout} ms; the client is ${inWords(this.client.state)}`,
              ),
            ),
          ),
        timeout,
      );
      this.#waits.add(check);
      check();
    });
  }

  #changed(): void {
    for (const check of [...this.#waits]) check();
  }
}

function inWords(state: ConnectionState): string {
  switch (state.state) {
    case "open":
      return "open";
    case "connecting":
      return `connecting (attempt ${state.attempt})`;
    case "reconnecting":
      return `reconnecting (attempt ${state.attempt}) after ${closeInWords(state.close)}`;
    case "closed":
      return `closed after ${closeInWords(state.close)}`;
  }
}

function closeInWords({ code, reason, why }: CloseInfo): string {
  return `${code}${reason === "" ? "" : ` ${JSON.stringify(reason)}`}${why === undefined ? "" : `: ${why}`}`;
}
