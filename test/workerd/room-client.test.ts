import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TestSocket } from "./client.js";
import { app } from "../worker/index.js";
import { connect, hibernate } from "./client.js";

let objects = 0;
const freshObject = (): string => `client-${Date.now()}-${++objects}`;

function http(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://example.com${path}`, init);
}

async function roomMembers(object: string, count: number): Promise<{ clients: TestSocket[]; ids: string[] }> {
  const clients: TestSocket[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connect(`/room/${object}`);
    client.sendJson({ op: "size" });
    ids.push((await client.receiveJson<{ id: string }>()).id);
    clients.push(client);
  }
  return { clients, ids };
}

describe("app.room(env, name) from Worker code", () => {
  it("broadcasts text, JSON and bytes from an HTTP route to every connection of the room object", async () => {
    const object = freshObject();
    const { clients } = await roomMembers(object, 3);
    const outsiderObject = freshObject();
    const outsider = (await roomMembers(outsiderObject, 1)).clients[0]!;

    expect(await (await http(`/push/${object}`, { method: "POST", body: "from HTTP" })).json()).toEqual({ sent: 3 });
    for (const client of clients) expect(await client.receive()).toBe("from HTTP");

    const json = await http(`/push-json/${object}`, { method: "POST", body: JSON.stringify({ n: 1 }) });
    expect(await json.json()).toEqual({ sent: 3 });
    for (const client of clients) expect(await client.receive()).toBe('{"n":1}');

    const bytes = await http(`/push-bytes/${object}`, { method: "POST", body: new Uint8Array([4, 5]) });
    expect(await bytes.json()).toEqual({ sent: 3 });
    for (const client of clients) expect([...new Uint8Array((await client.receive()) as ArrayBuffer)]).toEqual([4, 5]);

    // A push to the outsider's own object comes to it next: a push that went astray would have come before it.
    expect(await (await http(`/push/${outsiderObject}`, { method: "POST", body: "for the outsider" })).json()).toEqual({
      sent: 1,
    });
    expect(await outsider.receive()).toBe("for the outsider");
    expect(await outsider.collect(0)).toEqual([]);
  });

  it("excludes ids, lists connections and counts them, dormant ones included", async () => {
    const object = freshObject();
    const {
      clients: [a, b],
      ids,
    } = await roomMembers(object, 2);
    await hibernate(app.roomObject(env, object, { route: "/room/:object" }));

    const listed = await (await http(`/connections/${object}`)).json();
    expect(listed).toEqual({ ids: [...ids].sort(), size: 2 });
    const pushed = await http(`/push/${object}?exclude=${ids[0]}`, { method: "POST", body: "not for a" });
    expect(await pushed.json()).toEqual({ sent: 1 });
    expect(await b!.receive()).toBe("not for a");
    // The next push comes to a next: the one it was left out of would have come before it.
    expect(await (await http(`/push/${object}`, { method: "POST", body: "for both" })).json()).toEqual({ sent: 2 });
    expect(await a!.receive()).toBe("for both");
    expect(await a!.collect(0)).toEqual([]);
  });

  it("closes every connection, dormant ones included, and validates the close code", async () => {
    const object = freshObject();
    const { clients } = await roomMembers(object, 2);
    await hibernate(app.roomObject(env, object, { route: "/room/:object" }));
    const invalid = await http(`/close/${object}?code=1006`, { method: "POST" });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: "RangeError" });

    expect((await http(`/close/${object}?code=4005`, { method: "POST" })).status).toBe(200);
    for (const client of clients) expect(await client.closed()).toEqual({ code: 4005, reason: "closed by the server" });
    expect(await (await http(`/connections/${object}`)).json()).toEqual({ ids: [], size: 0 });
  });
});
