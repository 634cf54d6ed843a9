import { describe, expect, expectTypeOf, it } from "vitest";
import { Hypern, WebSocketRoute, WebSocketRouter } from "../../src/index.js";
import type { RouteParams, ServerWebSocket, WebSocketHandler } from "../../src/index.js";
import { connect } from "./client.js";

const noop: WebSocketHandler = async (ws) => ws.close();

describe("WebSocketRouter", () => {
  it("route() chains, addRoute() returns the route, getRoutes() lists them in order", () => {
    const other: WebSocketHandler = async () => undefined;
    const router = new WebSocketRouter().route("/a", noop).route("/b/:id", other);
    const added = router.addRoute("/c/*", noop, { roomObject: () => "c" });
    expect(added).toBeInstanceOf(WebSocketRoute);
    expect(added.path).toBe("/c/*");
    expect(router.getRoutes().map((route) => route.path)).toEqual(["/a", "/b/:id", "/c/*"]);
    expect(router.getRoutes()[1]?.handler).toBe(other);
    expect(router.getRoutes()[2]?.place).toBeTypeOf("function");
  });

  it("takes the deprecated route option `room` for `roomObject`, but not both", () => {
    const place = (): string => "d";
    expect(new WebSocketRouter().addRoute("/d/:x", noop, { room: place }).place).toBe(place);
    expect(() => new WebSocketRouter().addRoute("/e/:x", noop, { room: place, roomObject: place })).toThrow(
      "The route /e/:x has both roomObject and room (its deprecated name): keep roomObject",
    );
  });

  it("getHandler() finds a handler by its registered pattern or by a concrete path", () => {
    const chat: WebSocketHandler = async () => undefined;
    const files: WebSocketHandler = async () => undefined;
    const router = new WebSocketRouter().route("/chat/:room", chat).route("/files/:path+", files).route("/any/*", noop);
    expect(router.getHandler("/chat/:room")).toBe(chat);
    expect(router.getHandler("/chat/lobby")).toBe(chat);
    expect(router.getHandler("/files/a/b/c.txt")).toBe(files);
    expect(router.getHandler("/any/thing/at/all")).toBe(noop);
    expect(router.getHandler("/chat")).toBeUndefined();
    expect(router.getHandler("/nothing")).toBeUndefined();
  });

  it("matches the first registered route and captures params", () => {
    const router = new WebSocketRouter().route("/users/me", noop).route("/users/:id/:tab?", noop);
    expect(router.match("/users/me")?.route.path).toBe("/users/me");
    expect(router.match("/users/42")).toMatchObject({ route: { path: "/users/:id/:tab?" }, rawParams: { id: "42" } });
    expect(router.match("/users/42/posts")?.rawParams).toEqual({ id: "42", tab: "posts" });
  });

  it("refuses bad paths, missing handlers and duplicate patterns with clear errors", () => {
    const router = new WebSocketRouter().route("/taken", noop);
    expect(() => router.route("no-slash", noop)).toThrow(
      'A route path must be a string starting with "/", got "no-slash"',
    );
    expect(() => router.route("/x", undefined as unknown as WebSocketHandler)).toThrow(
      "The handler for /x must be a function",
    );
    expect(() => router.route("/taken", noop)).toThrow("A WebSocket route for /taken is already registered");
  });

  it("is mounted on an app with a prefix", () => {
    const app = new Hypern();
    const router = new WebSocketRouter().route("/feed", noop).route("/feed/:topic", noop);
    app.include(router, { prefix: "/api/v1/" }).ws("/direct", noop);
    expect(app.router.getRoutes().map((route) => route.path)).toEqual([
      "/api/v1/feed",
      "/api/v1/feed/:topic",
      "/direct",
    ]);
    expect(app.router.getHandler("/api/v1/feed/news")).toBe(noop);
    expect(() => app.include(router, { prefix: "api" })).toThrow('A prefix must start with "/", got "api"');
  });

  it("serves a prefix-mounted route end to end", async () => {
    const client = await connect("/ws/notifications/sports");
    expect(await client.receiveJson()).toEqual({ mounted: "/ws/notifications/sports", topic: "sports" });
    expect(await client.closed()).toEqual({ code: 1000, reason: "" });
  });

  it("types params from the path pattern", () => {
    expectTypeOf<RouteParams<"/chat/:room">>().toEqualTypeOf<{ readonly room: string }>();
    expectTypeOf<RouteParams<"/a/:x/b/:y?">>().toEqualTypeOf<{ readonly x: string; readonly y?: string }>();
    expectTypeOf<RouteParams<"/files/:path+">>().toEqualTypeOf<{ readonly path: string }>();
    expectTypeOf<RouteParams<"/:name.:ext">>().toEqualTypeOf<{ readonly name: string; readonly ext: string }>();
    expectTypeOf<RouteParams<"/static">>().toEqualTypeOf<Record<string, never>>();
    new Hypern().ws("/rooms/:room/:user?", async (ws) => {
      expectTypeOf(ws).toEqualTypeOf<ServerWebSocket<{ readonly room: string; readonly user?: string }, unknown>>();
      expectTypeOf(ws.params.room).toEqualTypeOf<string>();
    });
  });
});
