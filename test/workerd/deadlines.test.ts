import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../../src/room-object-client.js";
import type { TestRooms } from "../worker/index.js";
import { app } from "../worker/index.js";
import type { TestSocket } from "./client.js";
import { connect, hibernate } from "./client.js";

let objects = 0;
const freshObject = (): string => `deadline-${Date.now()}-${++objects}`;
const roomOf = (object: string) => app.roomObject(env, object, { route: "/deadline/:object" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waiting(object: string, ms: number, extra = ""): Promise<TestSocket> {
  const client = await connect(`/deadline/${object}?ms=${ms}${extra}`);
  expect(await client.receive()).toBe("ready");
  return client;
}

describe("receive timeouts kept by the object's alarm, not by a timer", () => {
  it("a receive's timeout reaches the handler after a real eviction, at its deadline", async () => {
    const object = freshObject();
    const started = Date.now();
    const client = await waiting(object, 400);
    await hibernate(roomOf(object));
    // No timer survived the eviction: only the alarm can wake the object and rerun the handler.
    expect(await client.receive({ timeout: 3_000 })).toBe("timeout:true");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(1_500);
    // The rerun waits again with its own timeout, and still gets messages in between.
    client.send("hello");
    expect(await client.receive()).toBe("got:hello");
  });

  it("several connections' deadlines in one object each fire at their own time, across evictions", async () => {
    const object = freshObject();
    const started = Date.now();
    const clients = [await waiting(object, 300), await waiting(object, 700), await waiting(object, 1_100)];
    await hibernate(roomOf(object));
    const times: number[] = [];
    for (const client of clients) {
      expect(await client.receive({ timeout: 3_000 })).toBe("timeout:true");
      times.push(Date.now() - started);
      await hibernate(roomOf(object)).catch(() => undefined); // evict again between deadlines
    }
    expect(times[0]).toBeGreaterThanOrEqual(300);
    expect(times[1]).toBeGreaterThanOrEqual(700);
    expect(times[2]).toBeGreaterThanOrEqual(1_100);
    expect(times[2]! - 1_100).toBeLessThan(1_500);
  });

  it("a message that arrives before the deadline, after an eviction, goes to the rerun handler; no timeout comes early", async () => {
    const object = freshObject();
    const client = await waiting(object, 60_000);
    await hibernate(roomOf(object));
    // Running the alarm early finds nothing due.
    await runDurableObjectAlarm(roomStub(roomOf(object)));
    expect(await client.collect(50)).toEqual([]);
    client.send("before the deadline");
    expect(await client.receive()).toBe("got:before the deadline");
  });

  it("a deadline the object slept through, run from the test with runDurableObjectAlarm, times out the rerun's first receive", async () => {
    const object = freshObject();
    const client = await waiting(object, 200);
    await hibernate(roomOf(object));
    await sleep(250);
    // Whether the runtime's own alarm ran first or this one does, the handler gets its timeout once.
    await runDurableObjectAlarm(roomStub(roomOf(object)));
    expect(await client.receive({ timeout: 3_000 })).toBe("timeout:true");
    expect(await client.collect(100)).toEqual([]);
  });

  it("shares the alarm with the app: the app's alarm() runs at its own time, inside the room, and sees only its own alarm", async () => {
    const object = freshObject();
    const [member, other] = [await waiting(object, 60_000, "&tick"), await waiting(object, 60_000, "&tick")];
    const stub = roomStub(roomOf(object)) as unknown as DurableObjectStub<TestRooms>;
    const started = Date.now();
    const scheduled = await stub.scheduleTick(300);
    expect(scheduled).toBeGreaterThanOrEqual(started + 300);
    for (const client of [member, other]) expect(await client.receive({ timeout: 3_000 })).toBe("tick");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    // The app's alarm is spent; the library's (the receives' 60 s deadlines) is still armed.
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
    expect(await member.collect(50)).toEqual([]);
  });
});
