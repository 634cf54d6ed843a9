import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Reset } from "../../src/client/index.js";
import type { ConnectionState } from "../../examples/page/chat-connection.js";
import { ChatConnection } from "../../examples/page/chat-connection.js";
import type { ChatEvent } from "../../examples/page/chat-events.js";
import { DEFAULT_BACKOFF } from "../../src/client/backoff.js";
import { freePort } from "../e2e/wrangler-dev.js";
import type { StandIn } from "./stand-in-server.js";
import { REFUSAL_REASON, startStandIn } from "./stand-in-server.js";

/**
 * The page's code runs on Node's own WebSocket (Node 22), which follows the same standard as a
 * browser's: it shows nothing of a refused upgrade, so the session client asks with a plain GET.
 */
const BrowserLikeWebSocket = globalThis.WebSocket;

/** Everything the connection told the page. */
interface Heard {
  states: ConnectionState[];
  events: { event: ChatEvent; replayed: boolean }[];
  resets: Reset[];
  acknowledged: string[];
  /** The chat room's presence each time it changed, as names (with their connections and whether away) by key. */
  presence: Record<string, string>[];
}

let standIn: StandIn;
let connection: ChatConnection | undefined;
let heard: Heard;

beforeAll(async () => {
  standIn = await startStandIn();
});

afterEach(() => {
  connection?.end("test over");
  connection = undefined;
  standIn.reset();
});

afterAll(() => standIn.close());

function connect(url: string, backoff = DEFAULT_BACKOFF): ChatConnection {
  heard = { states: [], events: [], resets: [], acknowledged: [], presence: [] };
  connection = new ChatConnection(
    url,
    {
      state: (state) => heard.states.push(state),
      event: (event, replayed) => heard.events.push({ event, replayed }),
      reset: (reset) => heard.resets.push(reset),
      acknowledged: (id) => heard.acknowledged.push(id),
      presence: (entries) =>
        heard.presence.push(
          Object.fromEntries(
            [...entries].map(([key, { d, n, a }]) => [key, `${(d as { name: string }).name} ${n}${a ? " away" : ""}`]),
          ),
        ),
    },
    { WebSocket: BrowserLikeWebSocket, backoff },
  );
  return connection;
}

const phases = (): string[] => heard.states.map((state) => state.phase);
const WAIT = { timeout: 10_000, interval: 20 };
const FAST = { firstMs: 20, longestMs: 100 };

describe("the page's connection when an upgrade fails (in Node, against a stand-in server)", () => {
  it("asks with a plain GET, shows the server's reason for a 4xx, and does not try again", async () => {
    connect(`${standIn.origin}/chat/refused?name=alice`);
    await vi.waitFor(() => expect(phases()).toContain("refused"), WAIT);
    expect(heard.states).toEqual([
      { phase: "connecting", attempt: 0 },
      {
        phase: "refused",
        refusal: {
          status: 400,
          why: expect.stringContaining(`; a plain GET of the address answers HTTP 400: ${REFUSAL_REASON}`),
        },
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 3 * DEFAULT_BACKOFF.firstMs)); // longer than a first retry waits
    expect(standIn.seen).toMatchObject({ upgrades: ["/chat/refused?name=alice"], gets: ["/chat/refused?name=alice"] });
    expect(phases()).toEqual(["connecting", "refused"]);
    expect(connection?.send("too late")).toBeUndefined();
  });

  it("keeps retrying with backoff when the plain GET says the path is fine (426)", async () => {
    connect(`${standIn.origin}/chat/busy?name=bob`);
    await vi.waitFor(() => expect(standIn.seen.upgrades.length).toBeGreaterThanOrEqual(3), WAIT);
    expect(heard.states.slice(0, 3)).toEqual([
      { phase: "connecting", attempt: 0 },
      {
        phase: "retrying",
        attempt: 1,
        delayMs: expect.any(Number),
        close: { code: 1006, reason: "", why: expect.stringContaining(", though a plain GET answers 426") },
      },
      { phase: "connecting", attempt: 1 },
    ]);
    expect(phases()).not.toContain("refused");
    expect(standIn.seen.gets.length).toBeGreaterThanOrEqual(2);
  });

  it("keeps retrying when the server cannot be reached at all", async () => {
    connect(`ws://127.0.0.1:${await freePort()}/chat/lobby?name=carol`);
    await vi.waitFor(
      () => expect(phases().filter((phase) => phase === "retrying").length).toBeGreaterThanOrEqual(2),
      WAIT,
    );
    expect(phases()).not.toContain("refused");
  });

  it("does not ask about a connection that had opened: it just reconnects", async () => {
    connect(`${standIn.origin}/chat/open?name=dana`);
    await vi.waitFor(() => expect(phases()).toEqual(["connecting", "retrying"]), WAIT);
    expect(heard.states[1]).toMatchObject({ close: { code: 1006 } });
    expect(standIn.seen.gets).toEqual([]);
  });

  it("stops after a close that says retrying cannot help (1008)", async () => {
    connect(`${standIn.origin}/chat/banned?name=eve`, FAST);
    await vi.waitFor(() => expect(phases()).toEqual(["connecting", "stopped"]), WAIT);
    expect(heard.states[1]).toEqual({ phase: "stopped", close: { code: 1008, reason: "banned" } });
    await new Promise((resolve) => setTimeout(resolve, 5 * FAST.longestMs));
    expect(standIn.seen.upgrades).toHaveLength(1);
  });
});

describe("the page's connection as a session (in Node, against a stand-in server)", () => {
  it(
    "resumes after a drop: the chat events once each, the missed one marked as replayed, and what " +
      "the server had not taken sent again",
    async () => {
      const chat = connect(`${standIn.origin}/chat/session?name=ada`, FAST);
      await vi.waitFor(() => expect(heard.events).toHaveLength(1), WAIT);
      const id = chat.send("hello"); // the stand-in drops the connection instead of taking it
      await vi.waitFor(() => expect(heard.acknowledged).toEqual([id]), WAIT);
      expect(standIn.seen.resumes).toEqual([null, { session: "s-1", seq: 1, rooms: {} }]);
      expect(standIn.seen.messages).toEqual([
        { t: "m", id, d: "hello" },
        { t: "m", id, d: "hello" },
      ]);
      expect(heard.events).toEqual([
        { event: expect.objectContaining({ type: "welcome", recovered: false }), replayed: false },
        { event: { type: "message", id: "c-2", name: "bo", text: "said while you were away" }, replayed: true },
        { event: expect.objectContaining({ type: "welcome", recovered: true }), replayed: false },
      ]);
      expect(phases()).toEqual(["connecting", "open", "retrying", "connecting", "open"]);
      expect(heard.resets).toEqual([]);
    },
  );

  it("hands over the chat room's presence, whole and then as it changes, and nothing of other rooms", async () => {
    const chat = connect(`${standIn.origin}/chat/session?name=ada`, FAST);
    await vi.waitFor(() => expect(heard.presence).toHaveLength(1), WAIT);
    expect(heard.presence).toEqual([{ "c-1": "ada 1" }]);
    const id = chat.send("hello"); // the stand-in drops the connection; the resume brings bo
    await vi.waitFor(() => expect(heard.acknowledged).toEqual([id]), WAIT);
    expect(heard.presence).toEqual([{ "c-1": "ada 1" }, { "c-1": "ada 1", "c-2": "bo 1" }]);
  });

  it("says when the session could not be resumed, and which messages it did not send again", async () => {
    const chat = connect(`${standIn.origin}/chat/expiring?name=ada`, FAST);
    await vi.waitFor(() => expect(heard.events).toHaveLength(1), WAIT);
    const id = chat.send("hello");
    await vi.waitFor(() => expect(heard.events).toHaveLength(2), WAIT);
    expect(heard.resets).toEqual([{ reason: "expired", unsent: [id] }]);
    expect(heard.events.map(({ event }) => event)).toEqual([
      expect.objectContaining({ type: "welcome", recovered: false }),
      expect.objectContaining({ type: "welcome", recovered: false }),
    ]);
    expect(standIn.seen.messages).toHaveLength(1);
    expect(heard.acknowledged).toEqual([]);
  });

  it("hears nothing more once the page has left", async () => {
    const chat = connect(`${standIn.origin}/chat/session?name=ada`, FAST);
    await vi.waitFor(() => expect(heard.events).toHaveLength(1), WAIT);
    chat.end("switching rooms");
    expect(chat.send("after leaving")).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 5 * FAST.longestMs));
    expect(phases()).toEqual(["connecting", "open"]);
    expect(standIn.seen.upgrades).toHaveLength(1);
  });
});
