import type { Payload, PresenceCounts, PresenceEntry, ServerFrame } from "../shared/session-protocol.js";
import { OPEN } from "../shared/ready-state.js";
import { payloadData, payloadOf, sessionProtocols } from "../shared/session-protocol.js";
import { Acknowledgements } from "./acknowledgements.js";
import { Connector } from "./connector.js";
import type { ConnectionState, SessionClientEvents } from "./events.js";
import { Listeners } from "./listeners.js";
import type { SessionClientOptions } from "./options.js";
import { PresenceMaps } from "./presence.js";
import { Received } from "./received.js";
import { Unacknowledged } from "./unacknowledged.js";
import type { WebSocketLike } from "./websocket.js";

/** The client's own close when a direct message is missing: the session continues, and the resume replays it. */
const MISSED_CLOSE = { code: 4009, reason: "A direct message is missing: resuming" } as const;

/**
 * A WebSocket to a route with `sessions` that survives drops, restarts and deploys: it reconnects with
 * backoff and jitter, resumes its session (the server replays what it missed), drops what it has seen
 * already, and sends again, once, what the server had not acknowledged.
 *
 * @typeParam Incoming - what the server sends, as `message.json()` returns it.
 * @typeParam Outgoing - what `sendJson` takes.
 */
export class SessionClient<Incoming = unknown, Outgoing = unknown> {
  readonly #listeners = new Listeners<SessionClientEvents<Incoming>>();
  readonly #received = new Received();
  readonly #acknowledgements: Acknowledgements;
  readonly #presence = new PresenceMaps();
  /** Sent and not yet acknowledged by the server, in order: sent again after a resume. */
  readonly #unacknowledged = new Unacknowledged();
  readonly #connector: Connector;
  #session: string | null = null;
  /** The socket the server welcomed the client on: messages go out at once while it is the current one. */
  #welcomedOn: WebSocketLike | undefined;
  #replaying = 0;
  #state: ConnectionState = { state: "connecting", attempt: 0 };

  constructor(url: string, options: SessionClientOptions = {}) {
    this.#acknowledgements = new Acknowledgements(
      this.#received,
      options,
      (socket) => socket === this.#connector.socket,
    );
    this.#connector = new Connector(url, options, {
      protocols: () => sessionProtocols(this.#session === null ? null : this.#received.resumeRequest(this.#session)),
      frame: (socket, data) => this.#frame(socket, data),
      ended: () => this.#acknowledgements.cancel(),
      closing: (socket) => this.#acknowledgements.send(socket),
      state: (state) => this.#setState(state),
    });
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<Name extends keyof SessionClientEvents<Incoming>>(
    name: Name,
    listener: (value: SessionClientEvents<Incoming>[Name]) => void,
  ): () => void {
    return this.#listeners.on(name, listener);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Who is in a room with presence that this client is in, by key (one user's connections): each
   * entry with its data, how many connections, and whether it is away. Changes come as `presence` events.
   */
  presence(room: string): ReadonlyMap<string, PresenceEntry> {
    return this.#presence.get(room);
  }

  /** For a room that keeps counts only: how many keys are here, and how many away. */
  presenceCounts(room: string): PresenceCounts | undefined {
    return this.#presence.counts(room);
  }

  /** The session id, once the server has welcomed the client. */
  get session(): string | null {
    return this.#session;
  }

  /** Sends text; kept until the server acknowledges it, sent again after a resume. Returns its id. */
  send(text: string): string {
    return this.#send(payloadOf(text));
  }

  sendJson(value: Outgoing): string {
    return this.#send(payloadOf(JSON.stringify(value)));
  }

  sendBytes(data: ArrayBuffer | ArrayBufferView): string {
    return this.#send(payloadOf(data));
  }

  /** How many sent messages the server has not acknowledged yet. */
  get pending(): number {
    return this.#unacknowledged.size;
  }

  /** Closes for good (1000): the server ends the session; no reconnect. */
  close(reason = ""): void {
    this.#connector.close(reason);
  }

  #send(payload: Payload): string {
    if (this.#connector.closed) throw new Error("This session client is closed");
    const outgoing = this.#unacknowledged.add(payload);
    const socket = this.#connector.socket;
    if (socket === this.#welcomedOn && socket?.readyState === OPEN) socket.send(outgoing.frame);
    return outgoing.id;
  }

  #frame(socket: WebSocketLike, data: unknown): void {
    if (typeof data !== "string") return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    switch (frame.t) {
      case "w":
        this.#welcome(socket, frame);
        return;
      case "k":
        if (this.#unacknowledged.acknowledged(frame.id)) this.#listeners.emit("acknowledged", frame.id);
        return;
      case "p":
        this.#listeners.emit("presence", this.#presence.apply(frame));
        return;
      default: {
        const replayed = this.#replaying > 0;
        if (replayed) this.#replaying -= 1;
        const outcome = this.#received.accept(frame);
        if (outcome === "gap") {
          // Not a goodbye (the session continues): the resume replays from the last one received.
          socket.close(MISSED_CLOSE.code, MISSED_CLOSE.reason);
          return;
        }
        if (outcome === "seen") return;
        const message = frame.t === "b" ? { room: frame.r, offset: frame.o } : {};
        const payload = payloadData(frame);
        this.#listeners.emit("message", {
          data: payload,
          json: () => JSON.parse(payload as string) as Incoming,
          replayed,
          ...message,
        });
        this.#acknowledgements.counted(socket);
      }
    }
  }

  #welcome(socket: WebSocketLike, frame: Extract<ServerFrame, { t: "w" }>): void {
    if (!frame.recovered && this.#session !== null) {
      const unsent = this.#unacknowledged.giveUp();
      this.#received.reset();
      this.#presence.clear();
      this.#listeners.emit("reset", { reason: frame.lost ?? "unknown", unsent });
    }
    this.#session = frame.session;
    for (const [room, { e, o, lost }] of Object.entries(frame.rooms)) {
      if (lost === undefined) continue;
      this.#received.resetRoom(room, { epoch: e, offset: o });
      this.#listeners.emit("reset", { reason: lost, room, unsent: [] });
    }
    this.#replaying = frame.missed;
    this.#welcomedOn = socket;
    this.#connector.heartbeat(frame.hb);
    this.#setState({ state: "open" });
    this.#listeners.emit("welcome", {
      session: frame.session,
      id: frame.id,
      recovered: frame.recovered,
      missed: frame.missed,
    });
    for (const pending of this.#unacknowledged.frames()) socket.send(pending);
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#listeners.emit("state", state);
  }
}
