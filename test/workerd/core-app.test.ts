import { describe, expect, it } from "vitest";
import { Hypern, WebSocketRouter } from "../../src/core.js";
import type { HypernFeature } from "../../src/core.js";
import { history, sessions, shards } from "../../src/features.js";
import { Hypern as FullHypern } from "../../src/index.js";
import { connect } from "./client.js";

const noop = async (): Promise<void> => {};

describe("hypern-workers/core: an app built without history, sessions or shards", () => {
  it("refuses a route with sessions or shards when it is registered, saying how to add them", () => {
    const app = new Hypern();
    const built = "needs sessions, which this app was built without";
    expect(() => app.ws("/chat", noop, { sessions: true })).toThrow(
      new RegExp(`^The route "/chat" \\(with \\{ sessions \\}\\) ${built}: .*from "hypern-workers/features"`),
    );
    expect(() => app.ws("/big/:room", noop, { shards: { maxConnections: 10 } })).toThrow(/needs shards/);
    expect(app.router.getRoutes()).toEqual([]);
  });

  it("refuses such a route added through app.router too", () => {
    const app = new Hypern();
    expect(() => app.router.route("/chat", noop, { sessions: true })).toThrow(/The route "\/chat" .*needs sessions/);
    expect(() => app.router.addRoute("/big", noop, { shards: true })).toThrow(/The route "\/big" .*needs shards/);
    expect(app.router.getRoutes()).toEqual([]);
  });

  it("takes false as none: a route with { sessions: false } or { shards: false } needs no feature", () => {
    const app = new Hypern().ws("/plain", noop, { sessions: false, shards: false, heartbeat: false });
    expect(app.router.getRoute("/plain")).toMatchObject({ sessions: null, shards: null, heartbeat: null });
    expect(new FullHypern().ws("/also", noop, { sessions: false }).router.getRoute("/also")?.sessions).toBeNull();
    expect(() => new Hypern().ws("/odd", noop, { sessions: "yes" as unknown as true })).toThrow(
      /The sessions option of \/odd must be true, false or its settings, got yes/,
    );
  });

  it("refuses an included router with such a route, and adds none of its routes", () => {
    const app = new Hypern();
    const router = new WebSocketRouter().route("/plain", noop).route("/resumable", noop, { sessions: true });
    expect(() => app.include(router, { prefix: "/v1" })).toThrow(/The route "\/v1\/resumable" .*needs sessions/);
    expect(app.router.getRoutes()).toEqual([]);
  });

  it("takes the features it is given, with what they bring (sessions and shards bring history)", () => {
    const app = new Hypern({ features: [sessions, shards] });
    app.ws("/chat", noop, { sessions: true }).ws("/big/:room", noop, { shards: true });
    expect(app.router.getRoutes().map((route) => route.path)).toEqual(["/chat", "/big/:room"]);
    expect(() => new Hypern({ features: [history] }).ws("/chat", noop, { sessions: true })).toThrow(/needs sessions/);
  });

  it("refuses a feature that is not one", () => {
    expect(() => new Hypern({ features: ["sessions" as unknown as HypernFeature] })).toThrow(
      /features takes history, sessions and shards from "hypern-workers\/features", got "sessions"/,
    );
    expect(() => new Hypern({ features: [{ kind: "presence" } as unknown as HypernFeature] })).toThrow(
      /got an object with kind "presence"/,
    );
    expect(() => new FullHypern({ features: history as unknown as HypernFeature[] })).toThrow(
      /features must be an array/,
    );
    expect(() => new FullHypern({ features: null as unknown as HypernFeature[] })).toThrow(/features must be an array/);
    // The right kind, but not the feature itself: it would fail in every room object's constructor.
    for (const forged of [{ kind: "sessions", requires: [] }, { kind: "history" }])
      expect(() => new Hypern({ features: [history, forged as unknown as HypernFeature] })).toThrow(
        new RegExp(`got an object with kind "${forged.kind}"`),
      );
    expect(() => new Hypern({ features: sessions as unknown as HypernFeature[] })).toThrow(/features must be an array/);
  });

  it("echoes and broadcasts in rooms without history", async () => {
    const [a, b] = [await connect("/core/echo/one"), await connect("/core/echo/one")];
    a.send("hi");
    expect(await a.receive()).toBe("echo: hi");
    // b has joined once its own echo comes back: the broadcast then reaches both.
    b.send("ready");
    expect(await b.receive()).toBe("echo: ready");
    a.send("all");
    expect([await a.receive(), await b.receive()]).toEqual(["all: one", "all: one"]);
  });

  it("says why a room with history cannot broadcast in it", async () => {
    const client = await connect("/core/history");
    client.send("hello");
    expect(await client.receive()).toMatch(
      /^The room "core-kept" \(with \{ history \}\) needs history, which this app was built without: import { Hypern }/,
    );
  });
});
