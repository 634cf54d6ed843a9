import { describe, expect, it } from "vitest";
import { ENDED } from "../../durable-objects/connection/frame-queue.js";
import { UntilEnded } from "../../durable-objects/connection/iterate.js";

/** A source of receives that answers them in order from a script, counting how many were started. */
function script(...answers: (string | typeof ENDED | Error)[]) {
  let started = 0;
  const next = (): Promise<string | typeof ENDED> => {
    const answer = answers[started++];
    if (answer === undefined) return new Promise(() => {});
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { next, started: () => started };
}

describe("the iterator behind ws.iter*()", () => {
  it("yields until ENDED, then is done without receiving again", async () => {
    const source = script("a", "b", ENDED);
    const seen: string[] = [];
    for await (const text of new UntilEnded(source.next)) seen.push(text);
    expect(seen).toEqual(["a", "b"]);
    expect(source.started()).toBe(3);
  });

  it("lets calls made before the last one settled wait their turn: after an error, they receive nothing", async () => {
    const source = script(new Error("not text"), "kept for the next receive");
    const iterator = new UntilEnded(source.next);
    const [first, second] = [iterator.next(), iterator.next()];
    await expect(first).rejects.toThrow("not text");
    expect(await second).toEqual({ value: undefined, done: true });
    expect(source.started()).toBe(1);
  });

  it("takes nothing more once the loop stopped early, and returns the value given", async () => {
    const source = script("a", "b");
    const iterator = new UntilEnded(source.next);
    for await (const text of iterator) if (text === "a") break;
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(await iterator.return(7)).toEqual({ value: 7, done: true });
    expect(source.started()).toBe(1);
  });
});
