import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRICT_LIMITS } from "../worker/strict-limits.js";
import { RawSocket } from "./raw-socket.js";
import type { DevServer } from "./wrangler-dev.js";
import { startWranglerDev } from "./wrangler-dev.js";

/** Adversarial clients against `wrangler dev` of the test Worker (its strict app has tight limits). */
let server: DevServer;
let port: number;

beforeAll(async () => {
  server = await startWranglerDev("test/worker/wrangler.toml");
  port = Number(new URL(server.origin).port);
});

afterAll(async () => {
  await server?.stop();
});

const good = { Origin: "https://good.example" };

/** The status line of an upgrade: 101, or the refusal. */
async function upgradeStatus(path: string, headers: Record<string, string>): Promise<number> {
  try {
    const socket = await RawSocket.open(port, path, headers);
    socket.destroy();
    return 101;
  } catch (error) {
    const status = /HTTP\/1\.1 (\d{3})/.exec((error as Error).message)?.[1];
    if (status === undefined) throw error;
    return Number(status);
  }
}

describe("sockets that never finish closing", () => {
  it("count against the room's limit: a client cannot fill a room past it with zombies", async () => {
    const room = `zombies-${Date.now()}`;
    const zombies: RawSocket[] = [];
    for (let i = 0; i < STRICT_LIMITS.maxConnectionsPerRoom; i++) {
      // A different address each, so that only the room's own limit is in play.
      const socket = await RawSocket.open(port, `/strict/room/${room}?token=z${i}`, {
        ...good,
        "CF-Connecting-IP": `198.51.100.${i}`,
      });
      await socket.next(); // the greeting
      socket.sendText("x".repeat(STRICT_LIMITS.maxMessageBytes + 1)); // the library closes it with 1009
      expect(await socket.closeCode()).toBe(1009);
      zombies.push(socket); // and the client never answers the close
    }
    // Every socket the room holds is closing, none is open: the room is still full.
    expect(
      await upgradeStatus(`/strict/room/${room}?token=late`, { ...good, "CF-Connecting-IP": "198.51.100.200" }),
    ).toBe(503);
    // Once the zombies' connections drop, their places come back.
    for (const zombie of zombies) zombie.destroy();
    await expect
      .poll(() => upgradeStatus(`/strict/room/${room}?token=late`, { ...good, "CF-Connecting-IP": "198.51.100.201" }), {
        timeout: 10_000,
      })
      .toBe(101);
  });

  it("count against the client's own limit too: one address cannot hold more than its share", async () => {
    const room = `per-client-${Date.now()}`;
    const address = { ...good, "CF-Connecting-IP": "203.0.113.9" };
    for (let i = 0; i < STRICT_LIMITS.maxConnectionsPerClient; i++) {
      const socket = await RawSocket.open(port, `/strict/room/${room}?token=c${i}`, address);
      await socket.next();
      socket.sendText("x".repeat(STRICT_LIMITS.maxMessageBytes + 1));
      expect(await socket.closeCode()).toBe(1009);
    }
    expect(await upgradeStatus(`/strict/room/${room}?token=more`, address)).toBe(429);
    expect(
      await upgradeStatus(`/strict/room/${room}?token=other`, { ...good, "CF-Connecting-IP": "203.0.113.10" }),
    ).toBe(101);
  });
});
