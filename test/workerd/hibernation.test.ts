import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { constructions } from "../worker/hibernation.js";
import { reported } from "../worker/reports.js";
import type { TestSocket } from "./client.js";
import { objectName } from "../../src/shared/room-address.js";
import { app } from "../worker/index.js";
import { connect, eventually, hibernate } from "./client.js";

let objects = 0;
const freshObject = (): string => `hib-${Date.now()}-${++objects}`;

/** The room object behind `/hib/:object`, and how often it has been constructed. */
function roomObject(object: string): { constructed: () => number } {
  const name = objectName({ group: "/hib/:object", room: object });
  return { constructed: () => constructions.get(name) ?? 0 };
}

/** Evicts for real: the constructor must run again before the next event is handled. */
async function evict(object: string): Promise<void> {
  await hibernate(app.roomObject(env, object, { route: "/hib/:object" }));
}

async function ask(client: TestSocket, text: string): Promise<string> {
  client.send(text);
  return client.receiveText();
}

async function joined(object: string, count: number): Promise<{ clients: TestSocket[]; ids: string[] }> {
  const clients: TestSocket[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connect(`/hib/${object}`);
    expect(await client.receive()).toBe("hello");
    expect(await ask(client, "join")).toBe("joined");
    ids.push(JSON.parse(await ask(client, "who")).id);
    clients.push(client);
  }
  return { clients, ids };
}

describe("hibernation with evictDurableObject", () => {
  it("keeps the client socket working; the handler resumes with resumed === true and everything it knew", async () => {
    const object = freshObject();
    const { constructed } = roomObject(object);
    const client = await connect(`/hib/${object}?q=query-value&report=resume-${object}`, {
      headers: { "X-Test": "header-value" },
    });
    expect(await client.receive()).toBe("hello");
    expect(await ask(client, 'set:{"score":7,"tags":["a","b"]}')).toBe("set");
    expect(await ask(client, "join")).toBe("joined");
    const before = JSON.parse(await ask(client, "who"));
    expect(before).toMatchObject({
      resumed: false,
      params: { object },
      header: "header-value",
      query: "query-value",
      size: 1,
    });
    const constructionsBefore = constructed();

    await evict(object);
    const after = JSON.parse(await ask(client, "who"));

    expect(constructed()).toBe(constructionsBefore + 1);
    expect(after).toEqual({ ...before, resumed: true });
    expect(reported(`resume-${object}`)).toEqual([
      { started: before.id, resumed: false },
      { started: before.id, resumed: true },
    ]);
    // One-time effects are guarded by `resumed`: no second greeting (it would have come before this echo).
    expect(await ask(client, "n:after")).toBe("n:after");
    expect(await client.collect(0)).toEqual([]);
  });

  it("stores setData() made after a resume, across a second eviction", async () => {
    const object = freshObject();
    const client = await connect(`/hib/${object}`);
    expect(await client.receive()).toBe("hello");
    expect(await ask(client, 'set:{"round":1}')).toBe("set");
    await evict(object);
    expect(await ask(client, 'set:{"round":2}')).toBe("set");
    await evict(object);
    expect(JSON.parse(await ask(client, "who"))).toMatchObject({ resumed: true, data: { round: 2 } });
  });

  it("keeps room membership; a broadcast from a woken connection reaches dormant members", async () => {
    const object = freshObject();
    const {
      clients: [a, b, c],
      ids,
    } = await joined(object, 3);
    await evict(object);

    expect(await ask(a!, "say:after the wake")).toBe("said");
    // b and c have not sent anything since the eviction: their handlers are not running.
    expect(await b!.receive()).toBe(`${ids[0]}:after the wake`);
    expect(await c!.receive()).toBe(`${ids[0]}:after the wake`);
    const seenByB = JSON.parse(await ask(b!, "who"));
    expect(seenByB).toMatchObject({ resumed: true, size: 3, members: [...ids].sort() });
  });

  it("counts dormant members in size and getConnections", async () => {
    const object = freshObject();
    const {
      clients: [a],
      ids,
    } = await joined(object, 4);
    await evict(object);
    expect(JSON.parse(await ask(a!, "who"))).toMatchObject({ resumed: true, size: 4, members: [...ids].sort() });
  });

  it("runs a dormant connection's disconnect path when its client closes", async () => {
    const object = freshObject();
    const {
      clients: [a],
      ids,
    } = await joined(object, 1);
    const key = `close-dormant-${object}`;
    const b = await connect(`/hib/${object}?report=${key}`);
    expect(await b.receive()).toBe("hello");
    expect(await ask(b, "join")).toBe("joined");
    const bId = JSON.parse(await ask(b, "who")).id;
    await evict(object);

    b.close(4003, "going away while dormant");
    expect(await b.closed()).toEqual({ code: 4003, reason: "going away while dormant" });
    expect(await a!.receive()).toBe(`left:${bId}`);
    expect(reported(key)).toEqual([
      { started: bId, resumed: false },
      { started: bId, resumed: true },
      { disconnected: bId, resumed: true, code: 4003, reason: "going away while dormant" },
      { sendAfterEnd: "WebSocketDisconnect" },
    ]);
    expect(JSON.parse(await ask(a!, "who"))).toMatchObject({ size: 1, members: ids });
  });

  it("closeAll reaches dormant members and runs their disconnect path", async () => {
    const object = freshObject();
    const {
      clients: [a, b],
    } = await joined(object, 2);
    const key = `close-all-${object}`;
    const c = await connect(`/hib/${object}?report=${key}`);
    expect(await c.receive()).toBe("hello");
    expect(await ask(c, "join")).toBe("joined");
    const cId = JSON.parse(await ask(c, "who")).id;
    await evict(object);

    a!.send("closeAll");
    for (const client of [a!, b!, c]) expect(await client.closed()).toEqual({ code: 4006, reason: "closing all" });
    // Closed under it by another connection's closeAll: the handler sees a disconnect, for receives and sends alike.
    await eventually(() =>
      expect(reported(key).slice(-2)).toEqual([
        { disconnected: cId, resumed: true, code: 4006, reason: "closing all" },
        { sendAfterEnd: "WebSocketDisconnect" },
      ]),
    );
  });

  it("delivers a burst of messages sent around evictions once each and in order", async () => {
    const object = freshObject();
    const { constructed } = roomObject(object);
    const client = await connect(`/hib/${object}`);
    expect(await client.receive()).toBe("hello");
    const batch = 200;
    const evictions = 3;
    const constructionsBefore = constructed();

    const received: string[] = [];
    let sent = 0;
    let finished = false;
    const receiving = (async () => {
      while (!finished || received.length < sent) received.push(await client.receiveText());
    })();
    for (let round = 0; round <= evictions; round++) {
      // One round trip so that the object is running, then a batch, then the eviction while it is in flight.
      client.send(`n:${sent++}`);
      await eventually(() => expect(received).toHaveLength(sent));
      for (let i = 0; i < batch; i++) client.send(`n:${sent++}`);
      if (round < evictions) {
        const inFlightAtEviction = sent - received.length;
        expect(inFlightAtEviction).toBeGreaterThan(0);
        await evict(object);
      }
    }
    finished = true;
    await receiving;

    expect(received).toEqual(Array.from({ length: sent }, (_, i) => `n:${i}`));
    // Nothing doubled after them: it would have come before this echo.
    expect(await ask(client, "n:after")).toBe("n:after");
    expect(await client.collect(0)).toEqual([]);
    expect(constructed()).toBe(constructionsBefore + evictions);
  });
});
