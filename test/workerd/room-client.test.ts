import { env, evictDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Hypern } from "../../src/index.js";
import type { TestClient } from "./client.js";
import { connect } from "./client.js";

let objects = 0;
const freshObject = (): string => `client-${Date.now()}-${++objects}`;

function http(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://example.com${path}`, init);
}

async function roomMembers(object: string, count: number): Promise<{ clients: TestClient[]; ids: string[] }> {
  const clients: TestClient[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connect(`/room/${object}`);
    client.sendJson({ op: "size" });
    ids.push((await client.nextJson<{ id: string }>()).id);
    clients.push(client);
  }
  return { clients, ids };
}

describe("app.room(env, name) from Worker code", () => {
  it("broadcasts text, JSON and bytes from an HTTP route to every connection of the room object", async () => {
    const object = freshObject();
    const { clients } = await roomMembers(object, 3);
    const outsider = (await roomMembers(freshObject(), 1)).clients[0]!;

    expect(await (await http(`/push/room:${object}`, { method: "POST", body: "from HTTP" })).json()).toEqual({ sent: 3 });
    for (const client of clients) expect(await client.next()).toBe("from HTTP");

    const json = await http(`/push-json/room:${object}`, { method: "POST", body: JSON.stringify({ n: 1 }) });
    expect(await json.json()).toEqual({ sent: 3 });
    for (const client of clients) expect(await client.next()).toBe('{"n":1}');

    const bytes = await http(`/push-bytes/room:${object}`, { method: "POST", body: new Uint8Array([4, 5]) });
    expect(await bytes.json()).toEqual({ sent: 3 });
    for (const client of clients) expect([...new Uint8Array((await client.next()) as ArrayBuffer)]).toEqual([4, 5]);

    expect(await outsider.silence(50)).toEqual([]);
  });

  it("excludes ids, lists connections and counts them, dormant ones included", async () => {
    const object = freshObject();
    const { clients: [a, b], ids } = await roomMembers(object, 2);
    await evictDurableObject(env.ROOMS.get(env.ROOMS.idFromName(`room:${object}`)));

    const listed = await (await http(`/connections/room:${object}`)).json();
    expect(listed).toEqual({ ids: [...ids].sort(), size: 2 });
    const pushed = await http(`/push/room:${object}?exclude=${ids[0]}`, { method: "POST", body: "not for a" });
    expect(await pushed.json()).toEqual({ sent: 1 });
    expect(await b!.next()).toBe("not for a");
    expect(await a!.silence(50)).toEqual([]);
  });

  it("closes every connection, dormant ones included, and validates the close code", async () => {
    const object = freshObject();
    const { clients } = await roomMembers(object, 2);
    await evictDurableObject(env.ROOMS.get(env.ROOMS.idFromName(`room:${object}`)));
    const invalid = await http(`/close/room:${object}?code=1006`, { method: "POST" });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: "RangeError" });

    expect((await http(`/close/room:${object}?code=4005`, { method: "POST" })).status).toBe(200);
    for (const client of clients) expect(await client.closed).toEqual({ code: 4005, reason: "closed by the server" });
    expect(await (await http(`/connections/room:${object}`)).json()).toEqual({ ids: [], size: 0 });
  });

  it("refuses an empty room name", () => {
    expect(() => new Hypern().room(env, "")).toThrow("app.room() needs a non-empty room name");
  });
});
