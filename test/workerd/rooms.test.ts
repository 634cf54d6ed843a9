import { describe, expect, it } from "vitest";
import type { TestSocket } from "./client.js";
import { connect } from "./client.js";

interface Reply {
  reply: string;
  id: string;
  size: number;
  connections: string[];
  otherSize: number;
  isolate: string;
}

let objects = 0;
/** A fresh room object per test, so tests do not see each other's members. */
const freshObject = (): string => `rooms-${Date.now()}-${++objects}`;

async function command(client: TestSocket, value: Record<string, unknown>): Promise<Reply> {
  client.sendJson(value);
  return client.receiveJson<Reply>();
}

async function members(object: string, count: number): Promise<{ clients: TestSocket[]; ids: string[] }> {
  const clients: TestSocket[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connect(`/room/${object}`);
    ids.push((await command(client, { op: "join" })).id);
    clients.push(client);
  }
  return { clients, ids };
}

describe("WebSocketRoom", () => {
  it("join and leave are idempotent; size and getConnections follow them", async () => {
    const client = await connect(`/room/${freshObject()}`);
    const first = await command(client, { op: "join" });
    expect(first).toMatchObject({ size: 1, connections: [first.id] });
    expect(await command(client, { op: "join" })).toMatchObject({ size: 1, connections: [first.id] });
    expect(await command(client, { op: "leave" })).toMatchObject({ size: 0, connections: [] });
    expect(await command(client, { op: "leave" })).toMatchObject({ size: 0, connections: [] });
  });

  it("broadcast reaches every member but the excluded ones, and no one outside the room", async () => {
    const object = freshObject();
    const {
      clients: [a, b, c],
      ids,
    } = await members(object, 3);
    const outsider = await connect(`/room/${object}`);
    expect((await command(outsider, { op: "size" })).size).toBe(3);

    expect(await command(a!, { op: "broadcast", text: "to b and c", exclude: [ids[0]] })).toMatchObject({
      reply: "broadcast",
    });
    expect(await b!.receive()).toBe("to b and c");
    expect(await c!.receive()).toBe("to b and c");

    // A single id works as well as an iterable of ids; the sender gets its broadcast before the reply.
    a!.sendJson({ op: "broadcast", text: "to a and c", exclude: ids[1] });
    expect(await a!.receive()).toBe("to a and c");
    expect(await a!.receiveJson()).toMatchObject({ reply: "broadcast" });
    expect(await c!.receive()).toBe("to a and c");

    // Each one's next message answers its own question: another broadcast would have come before it.
    for (const client of [a!, b!, c!, outsider])
      expect(await command(client, { op: "size" })).toMatchObject({ reply: "size" });
    for (const client of [a!, b!, c!, outsider]) expect(await client.collect(0)).toEqual([]);
  });

  it("broadcastJson sends compact JSON and broadcastBytes sends binary, both honouring exclude", async () => {
    const {
      clients: [a, b],
      ids,
    } = await members(freshObject(), 2);
    await command(a!, { op: "broadcastJson", text: "hi", exclude: [ids[0]] });
    expect(await b!.receive()).toBe('{"text":"hi"}');
    await command(b!, { op: "broadcastBytes", bytes: [1, 2, 255], exclude: [ids[1]] });
    const bytes = await a!.receive();
    expect([...new Uint8Array(bytes as ArrayBuffer)]).toEqual([1, 2, 255]);
    // Each one's next message answers its own question: a broadcast it was left out of would have come before it.
    for (const client of [a!, b!]) expect(await command(client, { op: "size" })).toMatchObject({ reply: "size" });
    for (const client of [a!, b!]) expect(await client.collect(0)).toEqual([]);
  });

  it("closeAll closes every member with the code and reason, and empties the room", async () => {
    const object = freshObject();
    const { clients } = await members(object, 3);
    const outsider = await connect(`/room/${object}`);
    clients[0]!.sendJson({ op: "closeAll", code: 4002, reason: "room closed" });
    for (const client of clients) expect(await client.closed()).toEqual({ code: 4002, reason: "room closed" });
    expect(await command(outsider, { op: "size" })).toMatchObject({ size: 0, connections: [] });
  });

  it("skips and drops members that are gone", async () => {
    const object = freshObject();
    const {
      clients: [a, b, c],
      ids,
    } = await members(object, 3);
    b!.close(1000, "leaving without leave()");
    await b!.closed();
    a!.sendJson({ op: "broadcast", text: "after b left" });
    expect(await a!.receive()).toBe("after b left");
    expect(await a!.receiveJson()).toMatchObject({ size: 2 });
    expect(await c!.receive()).toBe("after b left");
    expect((await command(c!, { op: "size" })).connections).toEqual([ids[0], ids[2]].sort());
  });

  it("a room made at module scope never mixes the members of two room objects in one isolate", async () => {
    const {
      clients: [one],
      ids: [oneId],
    } = await members(freshObject(), 1);
    const {
      clients: [two],
      ids: [twoId],
    } = await members(freshObject(), 1);
    one!.sendJson({ op: "broadcast", text: "only for object one" });
    expect(await one!.receive()).toBe("only for object one");
    const fromOne = await one!.receiveJson<Reply>();
    const fromTwo = await command(two!, { op: "size" });
    expect(fromOne.isolate).toBe(fromTwo.isolate);
    expect(fromOne.connections).toEqual([oneId]);
    expect(fromTwo.connections).toEqual([twoId]);
    // two's next message answers its own question: object one's broadcast would have come before it.
    expect(await command(two!, { op: "size" })).toMatchObject({ reply: "size" });
    expect(await two!.collect(0)).toEqual([]);
  });

  it("keeps rooms of one object apart", async () => {
    const client = await connect(`/room/${freshObject()}`);
    expect(await command(client, { op: "joinOther" })).toMatchObject({ size: 0, otherSize: 1 });
    expect(await command(client, { op: "join" })).toMatchObject({ size: 1, otherSize: 1 });
    expect(await command(client, { op: "leave" })).toMatchObject({ size: 0, otherSize: 1 });
  });
});
