import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isFinalCloseCode, isFinalRefusal } from "../../src/client/final-rules.js";
import { httpAddressOf } from "../../src/client/plain-get.js";
import { serverText } from "../../src/client/refusal.js";

const TEXT = "text/plain; charset=utf-8";

describe("what the session client takes as final", () => {
  it("a 4xx refusal, but for 408, 425 and 429, which mean not now", () => {
    for (const status of [400, 401, 403, 404, 405, 414, 426, 431])
      expect(isFinalRefusal(status, "whatever")).toBe(true);
    for (const status of [408, 425, 429]) expect(isFinalRefusal(status, "whatever")).toBe(false);
  });

  it("a 500 for a wiring mistake, not another 5xx, nor anything else", () => {
    expect(isFinalRefusal(500, 'No Durable Object binding "ROOMS" in env: add …')).toBe(true);
    expect(isFinalRefusal(500, 'The Durable Object class bound as "ROOMS" is not this app\'s room object (…)')).toBe(
      true,
    );
    for (const status of [500, 502, 503, 504]) expect(isFinalRefusal(status, "Internal Server Error")).toBe(false);
    expect(isFinalRefusal(503, 'No Durable Object binding "ROOMS" in env')).toBe(false);
    for (const status of [200, 301, 302]) expect(isFinalRefusal(status, "")).toBe(false);
  });

  it("knows the wiring mistakes by the words the Worker starts them with (src/wiring.ts)", () => {
    const wiring = readFileSync(new URL("../../src/wiring.ts", import.meta.url), "utf8");
    expect(wiring).toContain("`No Durable Object binding ");
    expect(wiring).toContain("`The Durable Object class bound ");
  });

  it("the close codes it always took as final: 1002, 1003, 1007, 1008", () => {
    expect([1000, 1001, 1002, 1003, 1006, 1007, 1008, 1009, 1011, 1012, 1013, 4000].filter(isFinalCloseCode)).toEqual([
      1002, 1003, 1007, 1008,
    ]);
  });
});

describe("a refusal's body, as the client puts it in `why`", () => {
  it("is the text of a plain-text answer, trimmed", () => {
    expect(serverText(TEXT, "Invalid room name: use 1 to 256 letters\n")).toBe(
      "Invalid room name: use 1 to 256 letters",
    );
    expect(serverText("Text/Plain", "Sign in first")).toBe("Sign in first");
  });

  it("is not a page of HTML, nor an endless text", () => {
    expect(serverText("text/html", "<!doctype html><title>Forbidden</title>")).toBe("");
    expect(serverText(null, "text without a type")).toBe("");
    const long = serverText(TEXT, "x".repeat(1000));
    expect(long).toHaveLength(300);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("the address of the plain GET", () => {
  it("is the WebSocket's, over http(s), path and query kept", () => {
    expect(httpAddressOf("ws://127.0.0.1:8787/chat/my%20room?name=al%20ice")).toBe(
      "http://127.0.0.1:8787/chat/my%20room?name=al%20ice",
    );
    expect(httpAddressOf("wss://chat.example/chat/lobby?name=a")).toBe("https://chat.example/chat/lobby?name=a");
    expect(httpAddressOf("https://chat.example/chat/lobby")).toBe("https://chat.example/chat/lobby");
  });
});
