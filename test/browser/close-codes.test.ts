import { describe, expect, it } from "vitest";
import { closeCodeWords, describeClose } from "../../examples/page/close-codes.js";

describe("close codes in words", () => {
  it("names the codes a chat server sends", () => {
    expect(closeCodeWords(1000)).toBe("normal closure");
    expect(closeCodeWords(1001)).toBe("going away");
    expect(closeCodeWords(1006)).toBe("abnormal closure, no close frame");
    expect(closeCodeWords(1008)).toBe("policy violation");
    expect(closeCodeWords(1009)).toBe("message too big");
    expect(closeCodeWords(1011)).toBe("server error");
    expect(closeCodeWords(1012)).toBe("service restart");
    expect(closeCodeWords(1013)).toBe("try again later");
    // Registered with IANA; the library closes a connection silent past its heartbeat's timeout with it.
    expect(closeCodeWords(3008)).toBe("timeout");
  });

  it("names the ranges of private codes, and admits to codes it does not know", () => {
    expect(closeCodeWords(3000)).toBe("library or framework code");
    expect(closeCodeWords(4000)).toBe("application code");
    expect(closeCodeWords(4999)).toBe("application code");
    expect(closeCodeWords(1004)).toBe("unknown code");
    expect(closeCodeWords(2000)).toBe("unknown code");
  });

  it("quotes the reason when there is one", () => {
    expect(describeClose(1012, "room restarted")).toBe("1012 service restart (“room restarted”)");
    expect(describeClose(1006, "")).toBe("1006 abnormal closure, no close frame");
  });
});
