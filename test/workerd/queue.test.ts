import { describe, expect, it } from "vitest";
import { TimeoutError, WebSocketDisconnect } from "../../src/index.js";
import type { Frame } from "../../durable-objects/connection/frames.js";
import { expectText } from "../../durable-objects/connection/receive-as.js";
import { ENDED, FrameQueue } from "../../durable-objects/connection/frame-queue.js";

const asIs = (frame: Frame): Frame => frame;

const settled = async (promise: Promise<unknown> | undefined): Promise<boolean> => {
  if (promise === undefined) return true;
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
};

describe("FrameQueue", () => {
  it("hands frames over in order, to waiting takers first", async () => {
    const queue = new FrameQueue(10);
    const waiting = queue.take(asIs);
    queue.push("a");
    queue.push("b");
    queue.push("c");
    expect(await waiting).toBe("a");
    expect(await queue.take(asIs)).toBe("b");
    expect(await queue.take(asIs)).toBe("c");
    expect(queue.size).toBe(0);
  });

  it("refuses past its capacity", () => {
    const queue = new FrameQueue(2);
    expect(queue.push("a")).toBe(true);
    expect(queue.push("b")).toBe(true);
    expect(queue.push("c")).toBe(false);
    expect(queue.size).toBe(2);
  });

  it("untaken() settles only once everything pushed so far has been taken", async () => {
    const queue = new FrameQueue(10);
    expect(queue.untaken()).toBeUndefined();
    queue.push("a");
    queue.push("b");
    const pending = queue.untaken();
    expect(await settled(pending)).toBe(false);
    await queue.take(asIs);
    expect(await settled(pending)).toBe(false);
    await queue.take(asIs);
    expect(await settled(pending)).toBe(true);
  });

  it("ends after the buffered frames, for every later take, and counts the end as untaken until seen", async () => {
    const queue = new FrameQueue(10);
    queue.push("last words");
    const disconnect = new WebSocketDisconnect(4000, "bye");
    queue.end(() => disconnect, false);
    const pending = queue.untaken();
    expect(await queue.take(asIs)).toBe("last words");
    expect(await settled(pending)).toBe(false);
    await expect(queue.take(asIs)).rejects.toBe(disconnect);
    expect(await settled(pending)).toBe(true);
    await expect(queue.take(asIs)).rejects.toBe(disconnect);
    queue.end(() => new WebSocketDisconnect(1000), false);
    await expect(queue.take(asIs)).rejects.toBe(disconnect);
  });

  it("wakes pending takers when it ends, and drops buffered frames when told to discard", async () => {
    const queue = new FrameQueue(10);
    const waiting = queue.take(asIs);
    const disconnect = new WebSocketDisconnect(1006);
    queue.end(() => disconnect, true);
    await expect(waiting).rejects.toBe(disconnect);

    const discarding = new FrameQueue(10);
    discarding.push("dropped");
    discarding.end(() => disconnect, true);
    expect(discarding.size).toBe(0);
    await expect(discarding.take(asIs)).rejects.toBe(disconnect);
  });

  it("next() gives ENDED where take() rejects, and makes no error when nothing rejects", async () => {
    const queue = new FrameQueue(10);
    queue.push("last words");
    let made = 0;
    const disconnect = new WebSocketDisconnect(4000, "bye");
    queue.end(() => (made++, disconnect), false);
    expect(await queue.next(asIs)).toBe("last words");
    expect(await queue.next(asIs)).toBe(ENDED);
    expect(await queue.next(asIs, { timeout: 1_000 })).toBe(ENDED);
    expect(made).toBe(0);
    await expect(queue.take(asIs)).rejects.toBe(disconnect);
    await expect(queue.take(asIs)).rejects.toBe(disconnect);
    expect(made).toBe(1);

    const waiting = new FrameQueue(10);
    const plain = waiting.next(asIs);
    const timed = waiting.next(asIs, { timeout: 60_000 });
    const rejecting = waiting.take(asIs);
    waiting.end(() => disconnect, false);
    expect(await plain).toBe(ENDED);
    expect(await timed).toBe(ENDED);
    await expect(rejecting).rejects.toBe(disconnect);
    expect(waiting.nextDeadline()).toBeNull();
  });

  it("abandon() settles untaken() even when nobody will take again", async () => {
    const queue = new FrameQueue(10);
    queue.push("never taken");
    const pending = queue.untaken();
    queue.abandon(() => new WebSocketDisconnect());
    expect(await settled(pending)).toBe(true);
    expect(queue.untaken()).toBeUndefined();
  });

  it(
    "a timed take has a deadline and sets no timer: expire() gives it up, the frame that comes " + "later is kept",
    async () => {
      const deadlines: (number | null)[] = [];
      const queue = new FrameQueue(10, Number.POSITIVE_INFINITY, (deadline) => deadlines.push(deadline));
      const before = Date.now();
      const taking = queue.take(asIs, { timeout: 60_000 });
      const deadline = queue.nextDeadline() as number;
      expect(deadline).toBeGreaterThanOrEqual(before + 60_000);
      expect(deadlines).toEqual([deadline]);
      queue.expire(deadline - 1);
      expect(await settled(taking)).toBe(false);
      queue.expire(deadline);
      await expect(taking).rejects.toBeInstanceOf(TimeoutError);
      expect(deadlines).toEqual([deadline, null]);
      queue.push("late");
      expect(await queue.take(asIs, { timeout: 1_000 })).toBe("late");
      expect(queue.nextDeadline()).toBeNull();
    },
  );

  it("a deadline the object slept through times out the next take, before frames that came since", async () => {
    const queue = new FrameQueue(10);
    queue.timeoutDue(1_000, 1_500);
    queue.push("after the wake");
    await expect(queue.take(asIs)).rejects.toThrow(
      "No message before the receive's deadline (500 ms ago, while the room object slept)",
    );
    expect(await queue.take(asIs)).toBe("after the wake");
  });

  it("AbortSignal.timeout() rejects with the library's TimeoutError, the DOMException as its cause", async () => {
    const queue = new FrameQueue(10);
    const error = await queue.take(asIs, { signal: AbortSignal.timeout(1) }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).cause).toMatchObject({ name: "TimeoutError" });
  });

  it("an aborted take rejects with the signal's reason and leaves the frame for the next take", async () => {
    const queue = new FrameQueue(10);
    const controller = new AbortController();
    const taking = queue.take(asIs, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(taking).rejects.toThrow("stop");
    await expect(queue.take(asIs, { signal: controller.signal })).rejects.toThrow("stop");
    queue.push("kept");
    expect(await queue.take(asIs)).toBe("kept");
  });

  it("converts a frame as it is taken; a conversion error rejects that receive and consumes the frame", async () => {
    const queue = new FrameQueue(10);
    queue.push(new Uint8Array([1]).buffer);
    queue.push("text");
    await expect(queue.take(expectText)).rejects.toThrow("Expected a text message, got a binary one");
    expect(await queue.take(expectText)).toBe("text");
    const waiting = queue.take(expectText);
    queue.push(new Uint8Array([2]).buffer);
    await expect(waiting).rejects.toThrow("Expected a text message, got a binary one");
  });

  it("rejects a timeout that is not a finite, non-negative number", async () => {
    const queue = new FrameQueue(10);
    for (const timeout of [-1, Number.NaN, Number.POSITIVE_INFINITY, "5" as unknown as number]) {
      await expect(queue.take(asIs, { timeout })).rejects.toBeInstanceOf(RangeError);
    }
  });
});
