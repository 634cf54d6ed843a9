import { OPEN } from "../shared/ready-state.js";
import type { SessionClientOptions } from "./options.js";
import type { Received } from "./received.js";
import type { WebSocketLike } from "./websocket.js";

/**
 * When a session client acknowledges what it has received: after `ackEvery` messages, or `ackDelayMs` after the
 * first one not yet acknowledged, on the socket they came on while it is still the client's and open.
 */
export class Acknowledgements {
  readonly #received: Received;
  readonly #options: Pick<SessionClientOptions, "ackEvery" | "ackDelayMs">;
  readonly #isCurrent: (socket: WebSocketLike) => boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sinceAck = 0;

  constructor(
    received: Received,
    options: Pick<SessionClientOptions, "ackEvery" | "ackDelayMs">,
    isCurrent: (socket: WebSocketLike) => boolean,
  ) {
    this.#received = received;
    this.#options = options;
    this.#isCurrent = isCurrent;
  }

  /** A message came on `socket`: it is acknowledged with the next acknowledgement, which this may make due. */
  counted(socket: WebSocketLike): void {
    this.#sinceAck += 1;
    if (this.#sinceAck >= (this.#options.ackEvery ?? 32)) {
      this.send(socket);
      return;
    }
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.send(socket), this.#options.ackDelayMs ?? 1_000);
  }

  /** Acknowledges everything received so far, now. */
  send(socket: WebSocketLike): void {
    this.cancel();
    this.#sinceAck = 0;
    if (this.#isCurrent(socket) && socket.readyState === OPEN)
      socket.send(JSON.stringify({ t: "a", ...this.#received.acknowledgement() }));
  }

  /** The socket ended: no acknowledgement waits for it (what was counted goes with the next one). */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
