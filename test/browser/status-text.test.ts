import { describe, expect, it } from "vitest";
import { statusText } from "../../examples/page/status-text.js";

describe("the status badge", () => {
  it("says what the connection is doing", () => {
    expect(statusText({ phase: "connecting", attempt: 0 })).toBe("Connecting…");
    expect(statusText({ phase: "connecting", attempt: 3 })).toBe("Reconnecting… (attempt 3)");
    expect(statusText({ phase: "open" })).toBe("Connected");
    expect(statusText({ phase: "retrying", attempt: 2, delayMs: 1250, close: { code: 1006, reason: "" } })).toBe(
      "Reconnecting in 1.3 s (attempt 2)",
    );
    expect(statusText({ phase: "stopped", close: { code: 1008, reason: "banned" } })).toBe(
      "Disconnected: 1008 policy violation (“banned”)",
    );
    expect(
      statusText({
        phase: "refused",
        refusal: { status: 400, why: "The server refused the upgrade with HTTP 400: Invalid room name" },
      }),
    ).toBe("Refused by the server (HTTP 400)");
  });
});
