import { IttyRouter } from "itty-router";
import type { WebSocketHandler } from "../durable-objects/index.js";
import type {
  HeartbeatOptions,
  ResolvedHeartbeat,
  ResolvedSessions,
  ResolvedShards,
  SessionOptions,
  ShardOptions,
} from "./shared/route-options.js";
import { resolveHeartbeat, resolveSessions, resolveShards } from "./shared/route-options.js";
import type { AnyParams, RouteParams } from "./shared/route-params.js";

/** What the placement function sees of an upgrade request. */
export interface PlacementRequest<Env = unknown, Params = AnyParams> {
  readonly params: Params;
  readonly request: Request;
  readonly url: URL;
  readonly env: Env;
}

/** Names the room object a connection is placed in, from its request. */
export type Place<Env = unknown, Params = AnyParams> = (
  request: PlacementRequest<Env, Params>,
) => string | Promise<string>;

export interface RouteOptions<Env = unknown, Params = AnyParams> {
  /**
   * Names the room object that hosts the connection: connections placed in the same room object share
   * one Durable Object (and its `WebSocketRoom`s). Names are checked (1 to 256 letters, digits or
   * `_ . : @ ~ - /`; others get HTTP 400) and live in the route's `group`, so a name made from client
   * input can only reach this route's room objects. Default: one room object for the whole route.
   */
  roomObject?: Place<Env, Params>;
  /** @deprecated Renamed `roomObject` (it names a room object, not a `WebSocketRoom`). Removed in 0.3. */
  room?: Place<Env, Params>;
  /**
   * The group the route's room objects are named in. Default: the route's own pattern. Routes given
   * the same group share their room objects: a client of one can reach the other's by name. Server
   * code reaches them with `app.roomObject(env, name, { group })`.
   */
  group?: string;
  /**
   * Let clients that negotiate the session protocol (`hypern-workers/client` does) resume after a
   * drop, a restart or a deploy with nothing lost or doubled: `true`, or the window and backlog (`false`: none).
   * Plain clients on the route are unaffected. See docs/sessions.md.
   */
  sessions?: SessionOptions | boolean;
  /**
   * Let each of the route's room objects span several Durable Objects (shards), each holding at most
   * `maxConnections` (default 1000), with one sequencer per room giving every member the same order.
   * The handler does not change (`false`: one object per room). See docs/sharded-rooms.md.
   */
  shards?: ShardOptions | boolean;
  /**
   * Close connections that fall silent (a network that dropped them without a close frame): clients
   * send a heartbeat the runtime answers without waking the room object, and a connection silent for
   * `timeoutMs` is closed with 3008. `true` for every 30 s, closed after 75 s (`false`: none). See docs/liveness.md.
   */
  heartbeat?: HeartbeatOptions | boolean;
}

/** An option that is on (`true` or its settings), or off (absent or `false`: null). */
function chosen<T extends object>(value: T | boolean | undefined, name: string, path: string): T | true | null {
  if (value === undefined || value === false) return null;
  if (value === true || (typeof value === "object" && value !== null)) return value;
  throw new TypeError(`The ${name} option of ${path} must be true, false or its settings, got ${String(value)}`);
}

/** A registered route: its pattern, handler and options. */
export class WebSocketRoute<Env = unknown> {
  /** The route's session settings, or null when it has none. */
  readonly sessions: ResolvedSessions | null;
  /** How the route's rooms spread over shards, or null when each is one object. */
  readonly shards: ResolvedShards | null;
  /** The route's heartbeat, or null when it has none. */
  readonly heartbeat: ResolvedHeartbeat | null;
  /** The group its room objects are named in: the one the app gave it, or its pattern. */
  readonly group: string;
  /** How it names the room object of a connection, or null: one room object for the whole route. */
  readonly place: Place<Env> | null;

  constructor(
    readonly path: string,
    readonly handler: WebSocketHandler<Env>,
    readonly options: RouteOptions<Env> = {},
  ) {
    const sessions = chosen(options.sessions, "sessions", path);
    this.sessions = sessions === null ? null : resolveSessions(sessions);
    const shards = chosen(options.shards, "shards", path);
    this.shards = shards === null ? null : resolveShards(shards);
    const heartbeat = chosen(options.heartbeat, "heartbeat", path);
    this.heartbeat = heartbeat === null ? null : resolveHeartbeat(heartbeat);
    this.group = options.group ?? path;
    if (options.roomObject !== undefined && options.room !== undefined) {
      throw new TypeError(`The route ${path} has both roomObject and room (its deprecated name): keep roomObject`);
    }
    const place = options.roomObject ?? options.room ?? null;
    if (place !== null && typeof place !== "function")
      throw new TypeError(`The roomObject option of ${path} must be a function of the request`);
    this.place = place;
  }
}

/** A route that matched a concrete path, with its params as captured (still percent-encoded). */
export interface RouteMatch<Env = unknown> {
  readonly route: WebSocketRoute<Env>;
  readonly rawParams: Readonly<Record<string, string | undefined>>;
}

/**
 * A set of WebSocket routes: Hypern's WebSocketRouter. Patterns are itty-router's: `:name`, `:name?`,
 * `:name+`, `*`. Mount it on an app with `app.include(router, { prefix })`.
 */
export class WebSocketRouter<Env = unknown> {
  readonly #routes: WebSocketRoute<Env>[] = [];
  readonly #byPath = new Map<string, WebSocketRoute<Env>>();
  readonly #patterns = IttyRouter();

  /** Registers a handler; chainable. Params are typed from the path pattern. */
  route<Path extends string, Data = unknown>(
    path: Path,
    handler: WebSocketHandler<Env, RouteParams<Path>, Data>,
    options?: RouteOptions<Env, RouteParams<Path>>,
  ): this {
    this.addRoute(path, handler, options);
    return this;
  }

  /** Registers a handler and returns the route. */
  addRoute<Path extends string, Data = unknown>(
    path: Path,
    handler: WebSocketHandler<Env, RouteParams<Path>, Data>,
    options?: RouteOptions<Env, RouteParams<Path>>,
  ): WebSocketRoute<Env> {
    if (typeof path !== "string" || !path.startsWith("/")) {
      throw new TypeError(`A route path must be a string starting with "/", got ${JSON.stringify(path)}`);
    }
    if (typeof handler !== "function") throw new TypeError(`The handler for ${path} must be a function`);
    if (options?.group !== undefined && (typeof options.group !== "string" || options.group === "")) {
      throw new TypeError(`The group of ${path} must be a non-empty string`);
    }
    if (this.#byPath.has(path)) throw new Error(`A WebSocket route for ${path} is already registered`);
    const route = new WebSocketRoute<Env>(path, handler as WebSocketHandler<Env>, (options ?? {}) as RouteOptions<Env>);
    this.admit(route);
    this.#routes.push(route);
    this.#byPath.set(path, route);
    this.#patterns.all(path);
    return route;
  }

  /** Called with each route before it is added: a router that refuses some throws here. */
  protected admit(_route: WebSocketRoute<Env>): void {}

  /** The handler registered for `path`: a pattern as registered, or else a concrete path it matches. */
  getHandler(path: string): WebSocketHandler<Env> | undefined {
    return (this.#byPath.get(path) ?? this.match(path)?.route)?.handler;
  }

  /** The route registered under exactly this pattern. */
  getRoute(pattern: string): WebSocketRoute<Env> | undefined {
    return this.#byPath.get(pattern);
  }

  /** All routes, in registration order. */
  getRoutes(): WebSocketRoute<Env>[] {
    return [...this.#routes];
  }

  /** The shards of a group's rooms: those of the first route in the group that has shards. */
  shardsOf(group: string): ResolvedShards | null {
    return this.#routes.find((route) => route.group === group && route.shards !== null)?.shards ?? null;
  }

  /** Whether any route is in the group. */
  hasGroup(group: string): boolean {
    return this.#routes.some((route) => route.group === group);
  }

  /** Whether a route of the group has sessions. */
  hasSessionsIn(group: string): boolean {
    return this.#routes.some((route) => route.group === group && route.sessions !== null);
  }

  /**
   * The params a route's pattern captures from a concrete path (still percent-encoded); undefined if it does not
   * match.
   */
  paramsOf(
    route: { readonly path: string },
    pathname: string,
  ): Readonly<Record<string, string | undefined>> | undefined {
    const index = this.#routes.findIndex((candidate) => candidate.path === route.path);
    const found = index === -1 ? null : (this.#patterns.routes[index]?.[1].exec(pathname) ?? null);
    return found === null ? undefined : (found.groups ?? {});
  }

  /** The first route whose pattern matches the concrete path. */
  match(pathname: string): RouteMatch<Env> | undefined {
    for (const [index, [, pattern]] of this.#patterns.routes.entries()) {
      const found = pattern.exec(pathname);
      if (found !== null) return { route: this.#routes[index] as WebSocketRoute<Env>, rawParams: found.groups ?? {} };
    }
    return undefined;
  }
}
