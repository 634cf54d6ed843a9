import type { RoomObjectClass, RoomObjectRpc } from "../durable-objects/room-object.js";
import { roomObjectClass } from "../durable-objects/room-object.js";
import type { Authorize, OriginPolicy } from "./admission.js";
import { isAllowedOrigin, isValidRoomName } from "./admission.js";
import { withAdmission } from "./shared/admission-header.js";
import type { HypernLimits, ResolvedLimits } from "./shared/limits.js";
import { dataSize, resolveLimits } from "./shared/limits.js";
import { RoomClient } from "./room-client.js";
import type { RouteParams } from "./shared/route-params.js";
import type { WebSocketHandler } from "../durable-objects/handler.js";
import type { RouteOptions } from "./router.js";
import { WebSocketRouter } from "./router.js";
import { decodeParams } from "./shared/path-params.js";

export interface HypernOptions<Env = unknown> {
  /** Name of the Durable Object namespace binding that hosts the rooms. Default "ROOMS". */
  binding?: string;
  limits?: HypernLimits;
  /**
   * Origins allowed to open connections (against cross-site WebSocket hijacking): others get 403.
   * Requests without an Origin header (clients that are not browsers) are let through. Default: any.
   */
  origins?: OriginPolicy;
  /** Admits or refuses each upgrade in the Worker, before any room object is touched. */
  authorize?: Authorize<Env>;
  /** Log every connect, resume and close with its connection id and room; failures are always logged. Default false. */
  verbose?: boolean;
  /** Answers requests that match no WebSocket route (HTTP routes, pages). Default: 404. */
  fallback?: (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;
}

const DEFAULT_BINDING = "ROOMS";

/**
 * A Hypern-style WebSocket app on Workers. Register handlers with `ws()`, export the app as the
 * Worker (`export default app`) and its room object class (`export class Rooms extends app.RoomObject {}`).
 */
export class Hypern<Env = unknown> {
  readonly #router = new WebSocketRouter<Env>();
  readonly #options: HypernOptions<Env>;
  readonly #limits: ResolvedLimits;
  #roomObject: RoomObjectClass<Env> | undefined;

  constructor(options: HypernOptions<Env> = {}) {
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
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

  /** The Worker's fetch handler: admits upgrades and routes them to their room objects. */
  readonly fetch = async (request: Request, env: Env, ctx: ExecutionContext): Promise<Response> => {
    const url = new URL(request.url);
    const match = this.#router.match(url.pathname);
    if (match === undefined) {
      return this.#options.fallback
        ? this.#options.fallback(request, env, ctx)
        : text(404, `No WebSocket route matches ${url.pathname}`);
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, `${url.pathname} is a WebSocket endpoint: connect with a WebSocket client`, { Upgrade: "websocket" });
    }
    if (request.method !== "GET") return text(405, "A WebSocket upgrade must be a GET request", { Allow: "GET" });
    const params = decodeParams(match.rawParams);
    if (params === null) return text(400, "The path has malformed percent-encoding");
    if (!isAllowedOrigin(this.#options.origins, request.headers.get("origin"))) {
      return text(403, "This origin may not open WebSocket connections here");
    }
    let forwarded = request;
    const { authorize } = this.#options;
    if (authorize !== undefined) {
      const verdict = await authorize({ request, env, route: match.route.path, params });
      if (verdict instanceof Response) return verdict;
      this.#checkAdmittedData(verdict);
      forwarded = withAdmission(request, verdict);
    }
    // Without a placement function, the route's own pattern names its object; a placement's name is
    // usually made from client input, so it is checked.
    const place = match.route.options.room;
    const room = place === undefined ? match.route.path : await place({ params, request, url, env });
    if (place !== undefined && !isValidRoomName(room)) {
      return text(400, "Invalid room name: use 1 to 256 letters, digits or _ . : @ ~ - /");
    }
    // The room object matches the path again itself: only admitted data travels in a header.
    return this.#stub(env, room).fetch(forwarded);
  };

  /** A room object seen from Worker code: broadcast into it, close it, list its connections (over RPC). */
  room(env: Env, name: string): RoomClient {
    if (typeof name !== "string" || name === "") throw new TypeError("app.room() needs a non-empty room name");
    return new RoomClient(this.#stub(env, name) as unknown as RoomObjectRpc);
  }

  /** The Durable Object class bound to this app: `export class Rooms extends app.RoomObject {}`. */
  get RoomObject(): RoomObjectClass<Env> {
    return (this.#roomObject ??= roomObjectClass<Env>({
      router: this.#router,
      limits: this.#limits,
      admits: this.#options.authorize !== undefined,
      verbose: this.#options.verbose ?? false,
    }));
  }

  #checkAdmittedData(data: unknown): void {
    let size: number;
    try {
      size = dataSize(data);
    } catch (error) {
      throw new TypeError("authorize() must return JSON-serializable data (it becomes ws.data)", { cause: error });
    }
    if (size > this.#limits.maxDataBytes) {
      throw new RangeError(`authorize() returned ${size} bytes of data (as JSON), over limits.maxDataBytes (${this.#limits.maxDataBytes})`);
    }
  }

  #stub(env: Env, name: string): DurableObjectStub {
    const binding = this.#options.binding ?? DEFAULT_BINDING;
    const namespace = (env as Record<string, unknown> | undefined)?.[binding] as DurableObjectNamespace | undefined;
    if (namespace === undefined || typeof namespace.idFromName !== "function") {
      throw new Error(
        `No Durable Object binding "${binding}" in env: add [[durable_objects.bindings]] name = "${binding}" ` +
          'to wrangler.toml (class_name = your "extends app.RoomObject" class), or pass { binding } to new Hypern()',
      );
    }
    return namespace.get(namespace.idFromName(name));
  }
}

function text(status: number, body: string, headers?: Record<string, string>): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}
