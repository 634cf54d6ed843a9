import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, postApi } from "./demo-server.js";
import type { DevServer } from "./wrangler-dev.js";
import { startWranglerDev } from "./wrangler-dev.js";
import { Client } from "./ws-client.js";

let server: DevServer;

beforeAll(async () => {
  // As .dev.vars.example is: API_TOKEN left empty.
  server = await startWranglerDev("wrangler.toml", { secrets: { API_TOKEN: "" } });
});

afterAll(async () => {
  await server?.stop();
});

describe("the demo with no API_TOKEN set", () => {
  it("keeps its HTTP API shut, saying how to open it, and serves everything else", async () => {
    const room = `no-token-${Date.now()}`;
    for (const [path, body] of [
      [`/api/rooms/${room}/messages`, { text: "hello" }],
      [`/api/rooms/${room}/close`, undefined],
      ["/api/notify", { text: "hello" }],
    ] as const) {
      for (const authorization of [null, "Bearer ", `Bearer ${API_TOKEN}`]) {
        const response = await postApi(server, path, body, authorization);
        expect(response.status, `${path} with ${JSON.stringify(authorization)}`).toBe(503);
        expect(((await response.json()) as { error: string }).error).toContain("set API_TOKEN in .dev.vars");
      }
    }

    expect((await fetch(server.origin)).status).toBe(200);
    const client = await Client.open(`${server.wsOrigin}/chat/${room}?name=alice`);
    expect(await client.nextJson()).toMatchObject({ type: "welcome", name: "alice", history: [] });
    client.close();
  });
});
