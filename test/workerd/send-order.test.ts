import { describe, expect, it } from "vitest";
import { SendOrder } from "../../durable-objects/shards/send-order.js";

describe("a shard's sends held behind its own ops", () => {
  it("holds nothing while no op is on its way, and lets each send go right after the ops before it", () => {
    const order = new SendOrder();
    const sent: string[] = [];
    expect(order.hold(() => sent.push("early"))).toBe(false);
    order.submitted("b1");
    expect(order.hold(() => sent.push("d1"))).toEqual({ behind: null }); // b1 not placed yet
    order.placed("b1", 7, 5);
    order.submitted("b2");
    order.placed("b2", 9, 5);
    expect(order.hold(() => sent.push("d2"))).toEqual({ behind: 9 }); // behind b1 (7) and b2 (9), both placed
    order.reached(7);
    expect(sent).toEqual(["d1"]);
    order.reached(9);
    expect(sent).toEqual(["d1", "d2"]);
    expect(order.hold(() => sent.push("late"))).toBe(false);
  });
});
