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
/**
 * Waits for a timeout the runtime's alarm brings: well past the deadline, since a loaded machine runs the alarm late.
 */
const ALARM_WAIT = { timeout: 10_000 };

/**
 * A connection whose handler waits `ms` for each message; `deadline` is when its first receive gives up, as bounds
 * seen from here.
 */
async function waiting(
  object: string,
  ms: number,
  extra = "",
): Promise<TestSocket & { deadline: { from: number; to: number } }> {
  const from = Date.now() + ms;
  const client = await connect(`/deadline/${object}?ms=${ms}${extra}`);
  expect(await client.receive()).toBe("ready");
  return Object.assign(client, { deadline: { from, to: Date.now() + ms } });
}

/**
 * When the runtime's alarm is armed (not the app's view of it, which `getAlarm()` gives): the library
 * arms it at the earliest receive deadline, so it says when the timeout comes without timing the runtime.
 */
function armedAt(object: string): Promise<number | null> {
  return runInDurableObject(roomStub(roomOf(object)), (_, state) => {
    const runtime = Object.getPrototypeOf(state.storage) as DurableObjectStorage;
    return runtime.getAlarm.call(state.storage);
  });
}

/**
 * The runtime's alarm is armed within `deadline`, the earliest left: checked while the deadline is
 * still ahead (on a machine loaded enough to run the test past it, the alarm may have fired already,
 * and the timeout that comes tells the rest).
 */
async function armedFor(object: string, deadline: { from: number; to: number }): Promise<void> {
  const armed = await armedAt(object);
  if (Date.now() >= deadline.from) return;
  expect(armed).toBeGreaterThanOrEqual(deadline.from);
  expect(armed).toBeLessThanOrEqual(deadline.to);
}

/**
 * The next message that is not a timeout: a handler that waits again with a short timeout may time out again
 * meanwhile.
 */
async function nextBesidesTimeouts(client: TestSocket): Promise<unknown> {
  for (;;) {
    const message = await client.receive();
    if (typeof message !== "string" || !message.startsWith("timeout:")) return message;
  }
}

describe("receive timeouts kept by the object's alarm, not by a timer", () => {
  it(
    "a receive's timeout reaches the handler after a real eviction, at its deadline",
    { timeout: 20_000 },
    async () => {
      const object = freshObject();
      const started = Date.now();
      const client = await waiting(object, 400);
      // The runtime's alarm is armed at the deadline (not how soon a loaded machine runs it: that is the runtime's).
      await armedFor(object, client.deadline);
      await hibernate(roomOf(object));
      // No timer survived the eviction: only the alarm can wake the object and rerun the handler.
      expect(await client.receive(ALARM_WAIT)).toBe("timeout:true");
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(400);
      // The rerun waits again with its own timeout (which may pass again meanwhile), and still gets messages in
      // between.
      client.send("hello");
      expect(await nextBesidesTimeouts(client)).toBe("got:hello");
    },
  );

  it(
    "several connections' deadlines in one object each fire at their own time, across evictions",
    { timeout: 30_000 },
    async () => {
      const object = freshObject();
      const started = Date.now();
      // After its timeout each handler waits a minute: the alarm then goes to the next connection's deadline.
      const clients = [
        await waiting(object, 300, "&then=60000"),
        await waiting(object, 700, "&then=60000"),
        await waiting(object, 1_100, "&then=60000"),
      ];
      await hibernate(roomOf(object));
      const times: number[] = [];
      for (const client of clients) {
        // Across the evictions, the runtime's alarm is armed at this connection's deadline, the earliest left.
        await armedFor(object, client.deadline);
        expect(await client.receive(ALARM_WAIT)).toBe("timeout:true");
        times.push(Date.now() - started);
        await hibernate(roomOf(object)).catch(() => undefined); // evict again between deadlines
      }
      expect(times[0]).toBeGreaterThanOrEqual(300);
      expect(times[1]).toBeGreaterThanOrEqual(700);
      expect(times[2]).toBeGreaterThanOrEqual(1_100);
    },
  );

  it(
    "a message that arrives before the deadline, after an eviction, goes to the rerun handler; no " +
      "timeout comes early",
    async () => {
      const object = freshObject();
      const client = await waiting(object, 60_000);
      await hibernate(roomOf(object));
      // Running the alarm early finds nothing due.
      await runDurableObjectAlarm(roomStub(roomOf(object)));
      expect(await client.collect(0)).toEqual([]);
      // The echo comes next: a timeout the early alarm gave would have come before it.
      client.send("before the deadline");
      expect(await client.receive()).toBe("got:before the deadline");
    },
  );

  it(
    "a deadline the object slept through, run from the test with runDurableObjectAlarm, times out " +
      "the rerun's first receive",
    async () => {
      const object = freshObject();
      // After its timeout the handler waits a minute: a second timeout now could only be this one twice.
      const client = await waiting(object, 200, "&then=60000");
      await hibernate(roomOf(object));
      await sleep(250);
      // Whether the runtime's own alarm ran first or this one does, the handler gets its timeout once.
      await runDurableObjectAlarm(roomStub(roomOf(object)));
      expect(await client.receive(ALARM_WAIT)).toBe("timeout:true");
      // The echo comes next: the timeout given twice would have come before it.
      client.send("after the timeout");
      expect(await client.receive()).toBe("got:after the timeout");
      expect(await client.collect(0)).toEqual([]);
    },
  );

  it(
    "shares the alarm with the app: the app's alarm() runs at its own time, inside the room, and " +
      "sees only its own alarm",
    async () => {
      const object = freshObject();
      const [member, other] = [await waiting(object, 60_000, "&tick"), await waiting(object, 60_000, "&tick")];
      const stub = roomStub(roomOf(object)) as unknown as DurableObjectStub<TestRooms>;
      const started = Date.now();
      const scheduled = await stub.scheduleTick(300);
      expect(scheduled).toBeGreaterThanOrEqual(started + 300);
      for (const client of [member, other]) expect(await client.receive(ALARM_WAIT)).toBe("tick");
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      // The app's alarm is spent; the library's (the receives' 60 s deadlines) is still armed.
      expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
      // The echo comes next: a second tick, or a timeout, would have come before it.
      member.send("after the tick");
      expect(await member.receive()).toBe("got:after the tick");
      expect(await member.collect(0)).toEqual([]);
    },
  );

  it("keeps the app's alarm across an eviction: getAlarm() gives it after a wake, and alarm() runs at it", async () => {
    const object = freshObject();
    const member = await waiting(object, 60_000, "&tick");
    const stub = roomStub(roomOf(object)) as unknown as DurableObjectStub<TestRooms>;
    const scheduled = await stub.scheduleTick(1_500);
    await hibernate(roomOf(object));
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(scheduled);
    await hibernate(roomOf(object));
    expect(await member.receive(ALARM_WAIT)).toBe("tick");
    expect(Date.now()).toBeGreaterThanOrEqual(scheduled as number);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
  });
});
