import { afterEach, describe, expect, it, vi } from "vitest";
import type { WebSocketConstructor } from "../../src/client/index.js";
import { SessionClient } from "../../src/client/index.js";

afterEach(() => vi.unstubAllGlobals());

describe("a session client built without a WebSocket class", () => {
  it("throws at once where there is no global one (Node before 22), saying to pass the ws package's", () => {
    vi.stubGlobal("WebSocket", undefined);
    expect(() => new SessionClient("ws://127.0.0.1:8787/talk/lobby")).toThrow(TypeError);
    expect(() => new SessionClient("ws://127.0.0.1:8787/talk/lobby")).toThrow(
      /no global WebSocket.*import \{ WebSocket \} from "ws"/,
    );
  });

  it("throws at once when the option is not a class", () => {
    const notAClass = {} as unknown as WebSocketConstructor; // as from a wrong import
    expect(() => new SessionClient("ws://127.0.0.1:8787/talk/lobby", { WebSocket: notAClass })).toThrow(
      /`WebSocket` option is not a class.*import \{ WebSocket \} from "ws"/,
    );
  });
});
