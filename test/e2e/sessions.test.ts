import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Welcome } from "../../src/client/index.js";
import { SessionClient } from "../../src/client/index.js";
import type { DevServer } from "./wrangler-dev.js";
import { freePort, startWranglerDev } from "./wrangler-dev.js";

/**
 * Session clients in Node (on the `ws` package) against `wrangler dev` of the test Worker: real TCP, real drops, a
 * real restart.
 */
let server: DevServer;
let port: number;
const storage = mkdtempSync(join(tmpdir(), "hypern-e2e-sessions-"));

beforeAll(async () => {
  port = await freePort();
  server = await startWranglerDev("test/worker/wrangler.toml", { port, persistTo: storage });
});

afterAll(async () => {
  await server?.stop();
  rmSync(storage, { recursive: true, force: true });
});

/** A Node session client whose sockets a test can cut (TCP destroyed, no close frame). */
function nodeClient(path: string) {
  const sockets: WebSocket[] = [];
  class TrackedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  const client = new SessionClient(`ws://127.0.0.1:${port}${path}`, {
    WebSocket: TrackedWebSocket,
    backoff: { firstMs: 100, longestMs: 500 },
  });
  const texts: string[] = [];
  const welcomes: Welcome[] = [];
  client.on("message", (message) => typeof message.data === "string" && texts.push(message.data));
  client.on("welcome", (welcome) => welcomes.push(welcome));
  return { client, texts, welcomes, cut: () => sockets.at(-1)?.terminate() };
}

async function until(check: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the session client in Node against wrangler dev", () => {
  it(
    "resumes after its TCP connection is destroyed, and after wrangler dev itself restarts: nothing lost or doubled",
    { timeout: 120_000 },
    async () => {
      const room = `e2e-${Date.now()}`;
      const ada = nodeClient(`/session/${room}?name=ada`);
      const bo = nodeClient(`/session/${room}?name=bo`);
      await until(
        () => ada.welcomes.length === 1 && bo.welcomes.length === 1,
        () => "first welcomes",
      );

      bo.client.send("one");
      await until(
        () => ada.texts.length === 1,
        () => JSON.stringify(ada.texts),
      );
      ada.cut();
      bo.client.send("two (ada is away)");
      ada.client.send("three (sent while away)");
      await until(
        () => ada.welcomes.length === 2 && bo.texts.length === 3,
        () => `${ada.welcomes.length} welcomes, bo ${JSON.stringify(bo.texts)}`,
      );
      expect(ada.welcomes[1]).toMatchObject({ recovered: true, id: ada.welcomes[0]!.id });

      // The server goes away entirely: no close event reaches the room object. It comes back on the same port and
      // storage.
      await server.stop();
      bo.client.send("four (the server is down)");
      server = await startWranglerDev("test/worker/wrangler.toml", { port, persistTo: storage });
      await until(
        () => ada.welcomes.length === 3 && bo.welcomes.length === 2,
        () => `${ada.welcomes.length}, ${bo.welcomes.length} welcomes`,
        60_000,
      );
      expect(ada.welcomes[2]).toMatchObject({ recovered: true });
      expect(bo.welcomes[1]).toMatchObject({ recovered: true });
      ada.client.send("five");
      await until(
        () => ada.texts.length === 5 && bo.texts.length === 5,
        () => `ada ${JSON.stringify(ada.texts)} bo ${JSON.stringify(bo.texts)}`,
      );
      // One more: a late double of anything before it comes before it.
      bo.client.send("six");
      const all = ["one", "two (ada is away)", "three (sent while away)", "four (the server is down)", "five", "six"];
      await until(
        () => ada.texts.includes("six") && bo.texts.includes("six"),
        () => `ada ${JSON.stringify(ada.texts)} bo ${JSON.stringify(bo.texts)}`,
      );
      expect(ada.texts.at(-1)).toBe("six");
      // One room object orders everything: both saw the same sequence, each message once. ("two" and
      // "three" race: ada sends hers as it comes back.)
      expect(ada.texts).toEqual(bo.texts);
      expect([...ada.texts].sort()).toEqual([...all].sort());
      ada.client.close();
      bo.client.close();
    },
  );
});
