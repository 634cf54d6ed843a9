import { describe, expect, it } from "vitest";
import WebSocketFromWs from "ws";
import type { SessionClientOptions } from "../../src/client/index.js";

describe("the session client's WebSocket option", () => {
  it("takes the browser's (and Node 22's) WebSocket class and the ws package's without a cast", () => {
    // The proof is that this file type-checks (npm run check): both assignments compile.
    const browser: SessionClientOptions = { WebSocket };
    const node: SessionClientOptions = { WebSocket: WebSocketFromWs };
    expect([browser.WebSocket, node.WebSocket]).toEqual([WebSocket, WebSocketFromWs]);
  });
});
