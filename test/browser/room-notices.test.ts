import { describe, expect, it } from "vitest";
import { couldNotResumeNotice, earlierNotice, reconnectedNotice } from "../../examples/page/room-notices.js";

describe("what the page says about resuming and about earlier messages", () => {
  it("counts the messages missed while away", () => {
    expect(reconnectedNotice(0)).toBe("Reconnected: nothing missed");
    expect(reconnectedNotice(1)).toBe("Reconnected: 1 message you missed is shown above");
    expect(reconnectedNotice(3)).toBe("Reconnected: 3 messages you missed are shown above");
  });

  it("says in the same line when the server had restarted the room", () => {
    expect(reconnectedNotice(0, true)).toBe("Reconnected after a restart: nothing missed");
    expect(reconnectedNotice(1, true)).toBe("Reconnected after a restart: 1 message you missed is shown above");
  });

  it("heads the messages from before you joined", () => {
    expect(earlierNotice(1)).toBe("1 earlier message, from before you joined");
    expect(earlierNotice(50)).toBe("50 earlier messages, from before you joined");
  });

  it("says why a session could not be resumed, in words", () => {
    expect(couldNotResumeNotice("expired", "lobby", "ada")).toBe(
      "Could not resume the session (expired): you were away longer than the server keeps it. You joined #lobby " +
        "again as ada.",
    );
    expect(couldNotResumeNotice("unknown", "lobby", "ada")).toMatch(
      /^Could not resume the session \(unknown\): the server does not know it\./,
    );
    expect(couldNotResumeNotice("trimmed", "lobby", "ada")).toMatch(
      /^Could not resume the session \(trimmed\): more was said while you were away than the room keeps\./,
    );
    expect(couldNotResumeNotice("epoch", "lobby", "ada")).toMatch(
      /^Could not resume the session \(epoch\): the room's history was started anew\./,
    );
  });
});
