import type { Reset, SessionClientOptions, Welcome } from "../../src/client/index.js";
import { SessionClient } from "../../src/client/index.js";
import type { WorkerWebSocket } from "../../src/testing/index.js";
import { workerWebSocketClass } from "../../src/testing/index.js";
import { eventually } from "./client.js";

/** A session client in a test: what it received, its welcomes and resets, and its sockets to drop. */
export class Member {
  readonly client: SessionClient<unknown, unknown>;
  /** Text messages received, once each, in order. */
  readonly texts: string[] = [];
  readonly replayed: string[] = [];
  readonly welcomes: Welcome[] = [];
  readonly resets: Reset[] = [];
  readonly sockets: WorkerWebSocket[] = [];

  constructor(path: string, options: SessionClientOptions = {}) {
    const WebSocket = workerWebSocketClass({}, (socket) => this.sockets.push(socket));
    this.client = new SessionClient(`http://example.com${path}`, { WebSocket, backoff: { firstMs: 20, longestMs: 200 }, ...options });
    this.client.on("message", (message) => {
      if (typeof message.data !== "string") return;
      this.texts.push(message.data);
      if (message.replayed) this.replayed.push(message.data);
    });
    this.client.on("welcome", (welcome) => this.welcomes.push(welcome));
    this.client.on("reset", (reset) => this.resets.push(reset));
  }

  /** Resolves once the client has been welcomed `count` times in all. */
  async welcomed(count = 1, timeoutMs = 5_000): Promise<Welcome> {
    await eventually(() => {
      if (this.welcomes.length < count || this.client.state.state !== "open") throw new Error(`${this.welcomes.length} welcomes, state ${this.client.state.state}`);
    }, timeoutMs);
    return this.welcomes[count - 1] as Welcome;
  }

  /** Cuts the current connection as a network failure would. */
  drop(): void {
    this.sockets.at(-1)?.drop();
  }

  /** Waits until the client has received at least `count` texts. */
  async received(count: number, timeoutMs = 5_000): Promise<string[]> {
    await eventually(() => {
      if (this.texts.length < count) throw new Error(`received ${this.texts.length} of ${count}: ${JSON.stringify(this.texts.slice(-5))}`);
    }, timeoutMs);
    return this.texts;
  }

  close(): void {
    this.client.close("done");
  }
}
