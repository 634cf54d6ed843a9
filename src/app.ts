import type { RoomApp } from "./durable-object/host.js";
import type { RoomObjectClass, RoomObjectRpc } from "./durable-object/room-object.js";
import { roomObjectClass } from "./durable-object/room-object.js";
import type { HypernOptions, ResolvedLimits } from "./options.js";
import { DEFAULT_BINDING, resolveLimits } from "./options.js";
import { RoomClient } from "./room-client.js";
import type { RouteParams } from "./route-params.js";
import type { RouteOptions, WebSocketHandler } from "./router.js";
import { WebSocketRouter, decodeParams } from "./router.js";

/** The longest room name the Worker forwards: names become Durable Object ids via `idFromName`. */
const MAX_ROOM_NAME_LENGTH = 512;

/**
 * A Hypern-style WebSocket app on Workers. Register handlers with `ws()`, export the app as the
 * Worker (`export default app`) and its room object class (`export class Rooms extends app.RoomObject {}`).
 */
export class Hypern<Env = unknown> {
  readonly #router = new WebSocketRouter<Env>();
  readonly #binding: string;
  readonly #limits: ResolvedLimits;
  readonly #fallback: HypernOptions<Env>["fallback"];
  #roomObject: RoomObjectClass<Env> | undefined;

  constructor(options: HypernOptions<Env> = {}) {
    this.#binding = options.binding ?? DEFAULT_BINDING;
    this.#limits = resolveLimits(options.limits);
    this.#fallback = options.fallback;
  }

  /** Registers a WebSocket handler for a path pattern (`:name`, `:name?`, `:name+`, `*`). */
  ws<Path extends string, Data = unknown>(
    path: Path,
    handler: WebSocketHandler<Env, RouteParams<Path>, Data>,
    options?: RouteOptions<Env, RouteParams<Path>>,
  ): this {
    this.#router.addRoute(path, handler, options);
    return this;
  }

  /** Mounts every route of `router`, each path prefixed with `prefix`. */
  include(router: WebSocketRouter<Env>, options: { prefix?: string } = {}): this {
    const prefix = (options.prefix ?? "").replace(/\/+$/, "");
    if (prefix !== "" && !prefix.startsWith("/")) throw new TypeError(`A prefix must start with "/", got "${prefix}"`);
    for (const route of router.getRoutes()) this.#router.addRoute(prefix + route.path, route.handler, route.options);
    return this;
  }

  /** The app's routes, as one router (for `getHandler`, `getRoutes`). */
  get router(): WebSocketRouter<Env> {
    return this.#router;
  }

  /** The Worker's fetch handler: routes upgrades to their room objects. */
  readonly fetch = async (request: Request, env: Env, ctx: ExecutionContext): Promise<Response> => {
    const url = new URL(request.url);
    const match = this.#router.match(url.pathname);
    if (match === undefined) {
      return this.#fallback ? this.#fallback(request, env, ctx) : text(404, `No WebSocket route matches ${url.pathname}`);
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, `${url.pathname} is a WebSocket endpoint: connect with a WebSocket client`, { Upgrade: "websocket" });
    }
    if (request.method !== "GET") return text(405, "A WebSocket upgrade must be a GET request", { Allow: "GET" });
    const params = decodeParams(match.rawParams);
    if (params === null) return text(400, "The path has malformed percent-encoding");
    const place = match.route.options.room;
    const room = place === undefined ? match.route.path : await place({ params, request, url, env });
    if (typeof room !== "string" || room === "" || room.length > MAX_ROOM_NAME_LENGTH) {
      return text(400, `Invalid room name: it must be 1 to ${MAX_ROOM_NAME_LENGTH} characters`);
    }
    // The room object matches the path again itself: nothing travels in headers a client could forge.
    return this.#stub(env, room).fetch(request);
  };

  /** A room object seen from Worker code: broadcast into it, close it, list its connections (over RPC). */
  room(env: Env, name: string): RoomClient {
    if (typeof name !== "string" || name === "") throw new TypeError("app.room() needs a non-empty room name");
    return new RoomClient(this.#stub(env, name) as unknown as RoomObjectRpc);
  }

  /** The Durable Object class bound to this app: `export class Rooms extends app.RoomObject {}`. */
  get RoomObject(): RoomObjectClass<Env> {
    const app: RoomApp = { router: this.#router, limits: this.#limits };
    return (this.#roomObject ??= roomObjectClass<Env>(app));
  }

  #stub(env: Env, name: string): DurableObjectStub {
    const namespace = (env as Record<string, unknown> | undefined)?.[this.#binding] as DurableObjectNamespace | undefined;
    if (namespace === undefined || typeof namespace.idFromName !== "function") {
      throw new Error(
        `No Durable Object binding "${this.#binding}" in env: add [[durable_objects.bindings]] name = "${this.#binding}" ` +
          'to wrangler.toml (class_name = your "extends app.RoomObject" class), or pass { binding } to new Hypern()',
      );
    }
    return namespace.get(namespace.idFromName(name));
  }
}

function text(status: number, body: string, headers?: Record<string, string>): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}
