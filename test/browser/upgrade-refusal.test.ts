import { describe, expect, it } from "vitest";
import { askWhyRefused, httpAddressOf, refusalFrom } from "../../examples/page/upgrade-refusal.js";

const TEXT = "text/plain; charset=utf-8";

describe("what a plain GET says about a failed upgrade", () => {
  it("takes a 4xx as a refusal for good, with the server's text as the reason", () => {
    expect(refusalFrom(400, TEXT, "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /\n")).toEqual({
      status: 400,
      reason: "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /",
    });
    expect(refusalFrom(400, TEXT, "The path has malformed percent-encoding")).toEqual({ status: 400, reason: "The path has malformed percent-encoding" });
    expect(refusalFrom(403, TEXT, "This origin may not open WebSocket connections here")?.status).toBe(403);
    expect(refusalFrom(404, TEXT, "No WebSocket route matches /chat/x")?.status).toBe(404);
    expect(refusalFrom(401, TEXT, "Sign in first")).toEqual({ status: 401, reason: "Sign in first" });
  });

  it("keeps retrying after 426 (the path is fine), a 5xx, or a 4xx that means not now", () => {
    for (const status of [426, 408, 425, 429, 500, 502, 503, 200, 301]) expect(refusalFrom(status, TEXT, "whatever")).toBeUndefined();
  });

  it("does not show a page of HTML or an endless text as the reason", () => {
    expect(refusalFrom(403, "text/html", "<!doctype html><title>Forbidden</title>")).toEqual({ status: 403, reason: "no reason given" });
    expect(refusalFrom(400, null, "")).toEqual({ status: 400, reason: "no reason given" });
    const reason = refusalFrom(400, TEXT, "x".repeat(1000))?.reason ?? "";
    expect(reason).toHaveLength(300);
    expect(reason.endsWith("…")).toBe(true);
  });

  it("asks at the same address over http(s), path and query kept", () => {
    expect(httpAddressOf("ws://127.0.0.1:8787/chat/my%20room?name=al%20ice")).toBe("http://127.0.0.1:8787/chat/my%20room?name=al%20ice");
    expect(httpAddressOf("wss://chat.example/chat/lobby?name=a")).toBe("https://chat.example/chat/lobby?name=a");
  });

  it("fetches that address without an upgrade, and takes a network error as a reason to retry", async () => {
    const asked: string[] = [];
    const answering = (status: number, body: string): typeof fetch =>
      (async (input: RequestInfo | URL, init?: RequestInit) => {
        asked.push(String(input));
        expect(new Headers(init?.headers).has("upgrade")).toBe(false);
        return new Response(body, { status, headers: { "Content-Type": TEXT } });
      }) as typeof fetch;
    expect(await askWhyRefused("ws://h/chat/%23general?name=a", answering(400, "Invalid room name"))).toEqual({ status: 400, reason: "Invalid room name" });
    expect(await askWhyRefused("wss://h/chat/lobby?name=a", answering(426, "connect with a WebSocket client"))).toBeUndefined();
    expect(asked).toEqual(["http://h/chat/%23general?name=a", "https://h/chat/lobby?name=a"]);
    const unreachable = (() => Promise.reject(new TypeError("fetch failed"))) as typeof fetch;
    expect(await askWhyRefused("ws://h/chat/lobby", unreachable)).toBeUndefined();
  });
});
