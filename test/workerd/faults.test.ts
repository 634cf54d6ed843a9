import { abortAllDurableObjects, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { constructions } from "../worker/hibernation.js";
import { objectName } from "../../src/shared/room-address.js";
import { app } from "../worker/index.js";
import { connect, eventually, hibernate } from "./client.js";

describe("faults", () => {
  it(
    "loses, duplicates and reorders nothing when the room object is evicted every few ms during 10,000 messages",
    { timeout: 60_000 },
    async () => {
      const object = `storm-${Date.now()}`;
      const room = app.roomObject(env, object, { route: "/hib/:object" });
      const name = objectName({ group: "/hib/:object", room: object });
      const client = await connect(`/hib/${object}`);
      expect(await client.receive()).toBe("hello");
      const total = 10_000;
      const constructedBefore = constructions.get(name) ?? 0;

      let done = false;
      let evictions = 0;
      const storm = (async () => {
        while (!done) {
          // "Not currently running" when the previous eviction left nothing to evict yet: try again.
          await hibernate(room).then(
            () => (evictions += 1),
            () => undefined,
          );
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
      })();
      const received: string[] = [];
      for (let i = 0; i < total; i++) {
        client.send(`n:${i}`);
        if (i % 100 === 99) {
          // Keep a window in flight so that evictions land between and during deliveries, and give the
          // storm its turns (echoes already in the inbox would otherwise be taken without yielding).
          while (received.length < i - 200) received.push(await client.receiveText());
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        // An eviction at least every 500 messages, however the machine shares its time between the
        // storm and the sender (the window stays in flight meanwhile).
        if (i % 500 === 499) await eventually(() => expect(evictions).toBeGreaterThanOrEqual((i + 1) / 500), 20_000);
      }
      while (received.length < total) received.push(await client.receiveText());
      done = true;
      await storm;
      // One more round trip, so that the object has been rebuilt after the last eviction too.
      client.send("n:after the storm");
      expect(await client.receiveText()).toBe("n:after the storm");

      expect(received).toEqual(Array.from({ length: total }, (_, i) => `n:${i}`));
      // Nothing doubled: it would have come before the echo after the storm.
      expect(await client.collect(0)).toEqual([]);
      console.log(`eviction storm: ${evictions} evictions during ${total} messages`);
      expect(evictions).toBeGreaterThanOrEqual(20);
      expect((constructions.get(name) ?? 0) - constructedBefore).toBe(evictions);
    },
  );

  it(
    "survives a reset of every room object mid-conversation: clients see the close, reconnect, and " +
      "storage is intact",
    async () => {
      const name = `reset-${Date.now()}`;
      const first = await connect(`/counter/${name}`);
      for (const expected of ["1", "2", "3"]) {
        first.send("inc");
        expect(await first.receive()).toBe(expected);
      }
      const bystander = await connect(`/echo`);

      await abortAllDurableObjects();
      const closed = await first.closed();
      expect(closed.code).toBe(1006);
      expect((await bystander.closed()).code).toBe(1006);

      const again = await connect(`/counter/${name}`);
      again.send("inc");
      expect(await again.receive()).toBe("4");
    },
  );
});
