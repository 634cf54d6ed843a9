import { describe, expect, it } from "vitest";
import { sessionClient } from "../../src/testing/index.js";
import { eventually } from "./client.js";

let rooms = 0;
const freshRoom = (): string => `session-client-${Date.now()}-${++rooms}`;

describe("sessionClient: what it received", () => {
  it("json(): the text messages parsed; a TypeError names the first that is not JSON", async () => {
    const path = `/session/${freshRoom()}`;
    const ada = sessionClient<{ n: number }, { n: number }>(path);
    await ada.welcomed();
    ada.sendJson({ n: 1 });
    await ada.received(1);
    expect(ada.json()).toEqual([{ n: 1 }]);
    ada.send("not JSON");
    await ada.received(2);
    expect(() => ada.json()).toThrow(new TypeError(`sessionClient(${path}): message 2 is not JSON: "not JSON"`));
    ada.close();
  });
});

describe("sessionClient's waits say what they waited for", () => {
  it(
    "received(): how many came (of how many, or without the one awaited), the last ones, and the " + "client's state",
    async () => {
      const path = `/session/${freshRoom()}`;
      const ada = sessionClient(path);
      await ada.welcomed();
      ada.send("one");
      await ada.received(1);
      await expect(ada.received(3, { timeout: 100 })).rejects.toThrow(
        `sessionClient(${path}): received 1 of 3 messages (the last: ["one"]) within 100 ms; the client is open`,
      );
      ada.send("two");
      expect(await ada.received("two")).toEqual(["one", "two"]);
      await expect(ada.received("three", { timeout: 100 })).rejects.toThrow(
        `sessionClient(${path}): received 2 messages, none of them "three" (the last: ["one","two"]) within 100 ms; ` +
          `the client is open`,
      );
      ada.close();
    },
  );

  it("welcomed(): fails at once, with the reason, when the client stops for good", async () => {
    const plain = sessionClient("/echo");
    await expect(plain.welcomed()).rejects.toThrow(
      /^sessionClient\(\/echo\): welcomed 0 of 1 times, and the client is closed after 1002 .*: The route at \/echo/,
    );
  });

  it("welcomed(): a client that keeps retrying a refused upgrade fails at the timeout, with the refusal", async () => {
    // Its next try is half a minute away: once refused, it waits with the refusal, however slow the machine.
    const refused = sessionClient("/strict/session/lobby", { backoff: { firstMs: 60_000, longestMs: 60_000 } });
    await eventually(() => expect(refused.client.state.state).toBe("reconnecting"));
    await expect(refused.welcomed(1, { timeout: 300 })).rejects.toThrow(
      /^sessionClient\(\/strict\/session\/lobby\): welcomed 0 of 1 times within 300 ms; the client is (re)?connect/,
    );
    await expect(refused.welcomed(1, { timeout: 300 })).rejects.toThrow(/refused with HTTP 401: Sign in first/);
    refused.close();
  });
});
