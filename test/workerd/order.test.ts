import { describe, expect, it } from "vitest";
import { connect } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `order-${Date.now()}-${++rooms}`;

/**
 * The order guarantee: a client sees one handler's sends and broadcasts in the order the handler made
 * them, each once, in a room in one object and in a room over shards alike (test/worker/order.ts makes
 * them; the two members of the sharded room are in shards of their own).
 */
describe.each(["/order", "/order-sharded"])("one handler's sends and broadcasts, in %s", (route) => {
  it("reach its own client and the other members in the order the handler made them", async () => {
    const room = freshRoom();
    const [self, other] = [await connect(`${route}/${room}`), await connect(`${route}/${room}`)];
    expect(await self.receiveText()).toBe("joined");
    expect(await other.receiveText()).toBe("joined");
    const rounds = 5;
    for (let round = 0; round < rounds; round++) self.send(`go:${round}`);
    const expectedSelf = Array.from({ length: rounds }, (_, round) =>
      [1, 2, 3, 5, 6, 8].map((n) => `${round}:${n}`),
    ).flat();
    const expectedOther = Array.from({ length: rounds }, (_, round) =>
      [1, 3, 4, 6, 7].map((n) => `${round}:${n}`),
    ).flat();
    const receivedSelf: string[] = [];
    while (receivedSelf.length < expectedSelf.length) receivedSelf.push(await self.receiveText({ timeout: 10_000 }));
    const receivedOther: string[] = [];
    while (receivedOther.length < expectedOther.length)
      receivedOther.push(await other.receiveText({ timeout: 10_000 }));
    expect(receivedSelf).toEqual(expectedSelf);
    expect(receivedOther).toEqual(expectedOther);
    // One more round: its messages come next, and only they; anything more of the rounds before would come before them.
    self.send("go:last");
    for (const [client, numbers] of [
      [self, [1, 2, 3, 5, 6, 8]],
      [other, [1, 3, 4, 6, 7]],
    ] as const) {
      const last: string[] = [];
      while (last.length < numbers.length) last.push(await client.receiveText({ timeout: 10_000 }));
      expect(last).toEqual(numbers.map((n) => `last:${n}`));
    }
    expect(await self.collect(0)).toEqual([]);
    expect(await other.collect(0)).toEqual([]);
    self.close();
    other.close();
  });
});
