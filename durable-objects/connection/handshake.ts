import { WebSocketError } from "./errors.js";
import { WebSocketState } from "./state.js";
import { chooseSubprotocol } from "./subprotocol.js";

/** Answers the upgrade request that is still waiting for the handler's decision. */
export interface Handshake {
  /** Accept the socket and answer 101 with these extra headers. */
  accept(responseHeaders: Headers): void;
  /** Answer with an HTTP error instead of upgrading. */
  refuse(status: number, message: string): void;
}

/** What `accept()` answers the upgrade with. */
export interface Acceptance {
  readonly headers: Headers;
  /** The subprotocol chosen, or null for none. */
  readonly subprotocol: string | null;
}

/**
 * A connection's answer to its upgrade request, given once: `accept()` answers 101 with the subprotocol chosen (the
 * session protocol for a session client, else one the client offered) and the handler's headers; a handler that
 * closes, returns or fails before it accepts has the request refused. A rerun's connection was accepted before the
 * room object hibernated: it has nothing to answer.
 */
export class HandshakeAnswer {
  #handshake: Handshake | null;
  readonly #rerun: boolean;
  /** Its client offered the session protocol on a route with sessions: accept() answers with it. */
  readonly #sessionOffered: boolean;
  /** The upgrade request's headers, for the subprotocols the client offered. */
  readonly #requestHeaders: readonly (readonly [string, string])[];
  #acceptCalled = false;

  constructor(
    handshake: Handshake | undefined,
    sessionOffered: boolean,
    requestHeaders: readonly (readonly [string, string])[],
  ) {
    this.#handshake = handshake ?? null;
    this.#rerun = handshake === undefined;
    this.#sessionOffered = sessionOffered;
    this.#requestHeaders = requestHeaders;
  }

  /**
   * What `accept()` answers with, on a connection in `state`; null for a rerun's, which answers nothing.
   * @throws WebSocketError on a second call, once the connection is not connecting, or for a subprotocol the client
   * did not offer.
   */
  acceptance(
    state: WebSocketState,
    subprotocol: string | undefined,
    headers: HeadersInit | undefined,
  ): Acceptance | null {
    if (this.#acceptCalled) throw new WebSocketError("accept() was already called on this connection");
    // A rerun's connection was accepted before the room object hibernated.
    if (this.#rerun) {
      this.#acceptCalled = true;
      return null;
    }
    if (state !== WebSocketState.CONNECTING || this.#handshake === null) {
      throw new WebSocketError(`Cannot accept: the connection is ${state}`);
    }
    const responseHeaders = new Headers(headers);
    const chosen = chooseSubprotocol(subprotocol, this.#sessionOffered, this.#requestHeaders);
    if (chosen !== null) responseHeaders.set("Sec-WebSocket-Protocol", chosen);
    return { headers: responseHeaders, subprotocol: chosen };
  }

  /** Answers 101. If the handshake throws, nothing is answered yet: `accept()` may be called again. */
  accept(acceptance: Acceptance): void {
    this.#handshake?.accept(acceptance.headers);
    this.#handshake = null;
    this.#acceptCalled = true;
  }

  refuse(status: number, message: string): void {
    this.#handshake?.refuse(status, message);
    this.#handshake = null;
  }
}
