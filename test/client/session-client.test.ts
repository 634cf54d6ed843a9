import { describe, expect, it } from "vitest";
import type { ConnectionState, WebSocketLike } from "../../src/client/index.js";
import { SESSION_PROTOCOL, SessionClient } from "../../src/client/index.js";
import { resumeRequestIn } from "../../src/shared/session-protocol.js";

type Listener = (event: never) => void;

/** A socket the test plays the server for: it opens with the session protocol, and hears what the client does. */
class ScriptedSocket implements WebSocketLike {
  static readonly made: ScriptedSocket[] = [];
  binaryType = "arraybuffer";
  readyState = 0;
  protocol = "";
  readonly sent: string[] = [];
  /** The subprotocol the server selects. */
  protected readonly selected: string = SESSION_PROTOCOL;
  closedWith: { code?: number; reason?: string } | null = null;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(
    readonly url: string,
    readonly protocols: string | string[] = [],
  ) {
    ScriptedSocket.made.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.protocol = this.selected;
      this.#emit("open", {});
    });
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
    queueMicrotask(() => this.#emit("close", { code: code ?? 1005, reason: reason ?? "" }));
  }

  /** A frame from the server. */
  deliver(frame: object): void {
    this.#emit("message", { data: JSON.stringify(frame) });
  }

  #emit(type: string, event: object): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (event: object) => void)(event);
  }
}

/** A socket that opens without the session subprotocol, as a lenient WebSocket implementation might. */
class WithoutSessionsSocket extends ScriptedSocket {
  protected override readonly selected = "";
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the session client", () => {
  it("resumes rather than acknowledge past a missing direct message, and gets it replayed", async () => {
    const client = new SessionClient("ws://test/session", {
      WebSocket: ScriptedSocket,
      backoff: { firstMs: 1, longestMs: 1 },
    });
    const texts: string[] = [];
    client.on("message", (message) => texts.push(message.data as string));
    await tick();
    const first = ScriptedSocket.made.at(-1)!;
    first.deliver({ t: "w", session: "s1", id: "c1", recovered: false, missed: 0, rooms: {} });
    first.deliver({ t: "m", s: 1, d: "one" });
    first.deliver({ t: "m", s: 3, d: "three" }); // two never came
    expect(first.closedWith).toEqual({ code: 4009, reason: "A direct message is missing: resuming" });
    await tick();
    const second = ScriptedSocket.made.at(-1)!;
    expect(second).not.toBe(first);
    const resume = resumeRequestIn(typeof second.protocols === "string" ? [second.protocols] : second.protocols);
    expect(resume).toEqual({ session: "s1", seq: 1, rooms: {} });
    second.deliver({ t: "w", session: "s1", id: "c1", recovered: true, missed: 2, rooms: {} });
    second.deliver({ t: "m", s: 2, d: "two" });
    second.deliver({ t: "m", s: 3, d: "three" });
    expect(texts).toEqual(["one", "two", "three"]);
    client.close();
  });

  it(
    "closes a socket that opened without the session subprotocol, says the route does not have " +
      "sessions, and does not try again",
    async () => {
      const states: ConnectionState[] = [];
      const client = new SessionClient("ws://test/plain", {
        WebSocket: WithoutSessionsSocket,
        backoff: { firstMs: 1, longestMs: 1 },
      });
      client.on("state", (state) => states.push(state));
      await tick();
      const socket = ScriptedSocket.made.at(-1)!;
      expect(socket.closedWith).toEqual({ code: 1002, reason: "The server did not accept the session protocol" });
      await tick();
      expect(states).toEqual([
        { state: "connecting", attempt: 0 },
        {
          state: "closed",
          close: {
            code: 1002,
            reason: "The server did not accept the session protocol",
            opened: true,
            final: true,
            why:
              "The route at /plain does not have sessions (the server did not select the hypern.session.v1 " +
              "subprotocol): add `sessions: true` to its options",
          },
        },
      ]);
      expect(ScriptedSocket.made.at(-1)).toBe(socket);
    },
  );
});
