import type { WebSocketHandler } from "../durable-objects/handler.js";
import type { RoomObjectClass, RoomObjectRpc } from "../durable-objects/room-object.js";
import { roomObjectClass } from "../durable-objects/room-object.js";
import type { Authorize, OriginPolicy } from "./admission.js";
import { isAllowedOrigin } from "./admission.js";
import { textResponse } from "./http.js";
import { placeConnection } from "./placement.js";
import { RoomClient } from "./room-client.js";
import type { RouteOptions } from "./router.js";
import { WebSocketRouter } from "./router.js";
import { withAdmission } from "./shared/admission-header.js";
import type { HypernLimits, ResolvedLimits } from "./shared/limits.js";
import { resolveLimits } from "./shared/limits.js";
import { decodeParams } from "./shared/path-params.js";
import type { RoomAddress, RoomPart } from "./shared/room-address.js";
import type { SequencerRpc } from "../durable-objects/shard-protocol.js";
import { SHARD_FULL_HEADER } from "../durable-objects/shard-protocol.js";
import { objectName } from "./shared/room-address.js";
import type { RouteParams } from "./shared/route-params.js";
import { SESSION_PROTOCOL, offeredSubprotocols, resumeRequestIn, shardOfSession } from "./shared/session-protocol.js";
import { jsonBytes } from "./shared/utf8.js";
import { WiringError, explainRoomObjectFailure, roomNamespace } from "./wiring.js";

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

/** Which room `app.room()` reaches: a route's (by its pattern or its group), or else a server-only one. */
export interface RoomSelector {
  /** The pattern of a registered route: the room that route places connections in under this name. */
  route?: string;
  /** A group given to routes with `{ group }`. */
  group?: string;
}

const DEFAULT_BINDING = "ROOMS";
/** Shards tried for one connection before the Worker says the room is full. */
const SHARD_PLACEMENTS = 5;

/**
 * A Hypern-style WebSocket app on Workers. Register handlers with `ws()`, export the app as the
 * Worker (`export default app`) and its room object class (`export class Rooms extends app.RoomObject {}`).
 */
export class Hypern<Env = unknown> {
  readonly #router = new WebSocketRouter<Env>();
  readonly #options: HypernOptions<Env>;
  readonly #binding: string;
  readonly #limits: ResolvedLimits;
  #roomObject: RoomObjectClass<Env> | undefined;

  constructor(options: HypernOptions<Env> = {}) {
    this.#options = options;
    this.#binding = options.binding ?? DEFAULT_BINDING;
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
        : textResponse(404, `No WebSocket route matches ${url.pathname}`);
    }
    try {
      const params = decodeParams(match.rawParams);
      if (params === null) return textResponse(400, "The path has malformed percent-encoding");
      const isUpgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
      if (!isUpgrade) {
        // The path is checked first, so that a page can learn why its upgrade was refused with a plain GET.
        const placement = await placeConnection(match.route, { params, request, url, env });
        if ("refused" in placement) return textResponse(placement.refused.status, placement.refused.message);
        return textResponse(426, `${url.pathname} is a WebSocket endpoint: connect with a WebSocket client`, { Upgrade: "websocket" });
      }
      if (request.method !== "GET") return textResponse(405, "A WebSocket upgrade must be a GET request", { Allow: "GET" });
      if (!isAllowedOrigin(this.#options.origins, request.headers.get("origin"))) {
        return textResponse(403, "This origin may not open WebSocket connections here");
      }
      let forwarded = request;
      const { authorize } = this.#options;
      if (authorize !== undefined) {
        const verdict = await authorize({ request, env, route: match.route.path, params });
        if (verdict instanceof Response) return verdict;
        this.#checkAdmittedData(verdict);
        forwarded = withAdmission(request, verdict);
      }
      const placement = await placeConnection(match.route, { params, request, url, env });
      if ("refused" in placement) return textResponse(placement.refused.status, placement.refused.message);
      // The room object matches the path again itself: only admitted data travels in a header.
      if (match.route.shards !== null) return await this.#toShard(env, placement.address, forwarded, match.route.sessions !== null ? homeShardOf(request) : undefined);
      return await this.#stub(env, placement.address).fetch(forwarded);
    } catch (error) {
      const failure = explainRoomObjectFailure(this.#binding, error);
      if (!(failure instanceof WiringError)) throw failure;
      console.error(`[hypern] ${failure.message}`);
      return textResponse(500, failure.message);
    }
  };

  /**
   * A room seen from Worker code (an HTTP route, a cron): broadcast into it, close it, list its
   * connections, over RPC.
   *
   * - `app.room(env, "lobby", { route: "/chat/:room" })`: the room that route places connections in
   *   under "lobby" (`{ group }` for routes that share a group);
   * - `app.room(env, { route: "/notifications" })`: the one room of a route without placement;
   * - `app.room(env, "feed")`: a server-only room, which no client can be placed in.
   */
  room(env: Env, name: string, selector?: RoomSelector): RoomClient;
  room(env: Env, selector: RoomSelector): RoomClient;
  room(env: Env, nameOrSelector: string | RoomSelector, selector: RoomSelector = {}): RoomClient {
    const named = typeof nameOrSelector === "string";
    const group = this.#groupOf(named ? selector : nameOrSelector);
    if (named && group === null && nameOrSelector === "") throw new TypeError("app.room() needs a non-empty name for a server-only room");
    if (!named && (group === null || this.#placesByName(group))) {
      throw new TypeError(
        group === null
          ? "app.room() needs a room name, or a { route } or { group } to reach"
          : "This route places connections by name: give app.room() the room's name first",
      );
    }
    const address = { group, room: named ? nameOrSelector : "" };
    // A sharded room is addressed through its sequencer, which knows its shards.
    const sharded = group !== null && this.#router.shardsOf(group) !== null;
    const stub = (part?: RoomPart): DurableObjectStub => this.#stub(env, part === undefined ? address : { ...address, part });
    return new RoomClient(stub(sharded ? { sequencer: true } : undefined) as unknown as RoomObjectRpc, this.#binding, sharded ? (shard) => stub({ shard }) : null);
  }

  /** The Durable Object class bound to this app: `export class Rooms extends app.RoomObject {}`. */
  get RoomObject(): RoomObjectClass<Env> {
    const router = this.#router;
    return (this.#roomObject ??= roomObjectClass<Env>({
      router: this.#router,
      limits: this.#limits,
      admits: this.#options.authorize !== undefined,
      verbose: this.#options.verbose ?? false,
      binding: this.#binding,
      get hasSessions() {
        return router.getRoutes().some((route) => route.sessions !== null);
      },
    }));
  }

  #placesByName(group: string): boolean {
    return this.#router.getRoutes().some((route) => route.group === group && route.options.room !== undefined);
  }

  #groupOf(selector: RoomSelector | undefined): string | null {
    if (selector === null || typeof selector !== "object") throw new TypeError("app.room() takes a room name and/or { route } or { group }");
    const { route, group } = selector;
    if (route !== undefined && group !== undefined) throw new TypeError("app.room() takes a route or a group, not both");
    if (group !== undefined) {
      if (!this.#router.getRoutes().some((candidate) => candidate.group === group)) {
        throw new TypeError(`app.room(): no route has the group ${JSON.stringify(group)}`);
      }
      return group;
    }
    if (route === undefined) return null;
    const registered = this.#router.getRoute(route);
    if (registered === undefined) {
      throw new TypeError(`app.room(): no route is registered as ${JSON.stringify(route)} (give its pattern as registered, prefix included)`);
    }
    return registered.group;
  }

  #checkAdmittedData(data: unknown): void {
    let size: number;
    try {
      size = jsonBytes(data);
    } catch (error) {
      throw new TypeError("authorize() must return JSON-serializable data (it becomes ws.data)", { cause: error });
    }
    if (size > this.#limits.maxDataBytes) {
      throw new RangeError(`authorize() returned ${size} bytes of data (as JSON), over limits.maxDataBytes (${this.#limits.maxDataBytes})`);
    }
  }

  /**
   * Places a connection of a sharded room: the room's sequencer names a shard with room, lowest first,
   * or the `home` shard of a session the client resumes (which knows best whether it has its place);
   * a shard that is full says so, and the next one is tried.
   */
  async #toShard(env: Env, address: RoomAddress, request: Request, home: number | undefined): Promise<Response> {
    const sequencer = this.#stub(env, { ...address, part: { sequencer: true } }) as unknown as SequencerRpc;
    let after = 0;
    for (let attempt = 0; attempt < SHARD_PLACEMENTS; attempt++) {
      const shard = await sequencer.sequencerPlace(after, attempt === 0 ? home : undefined);
      const response = await this.#stub(env, { ...address, part: { shard } }).fetch(new Request(request));
      if (response.status !== 503 || !response.headers.has(SHARD_FULL_HEADER)) return response;
      // A home shard that was full: lower shards may still have room.
      after = attempt === 0 && shard === home ? 0 : shard + 1;
    }
    return textResponse(503, "This room is full right now: try again");
  }

  #stub(env: Env, address: RoomAddress): DurableObjectStub {
    const namespace = roomNamespace(env, this.#binding);
    return namespace.get(namespace.idFromName(objectName(address)));
  }
}

/** The shard of the session an upgrade asks to resume, if it negotiates sessions and names one. */
function homeShardOf(request: Request): number | undefined {
  const protocols = offeredSubprotocols(request.headers.get("sec-websocket-protocol"));
  if (!protocols.includes(SESSION_PROTOCOL)) return undefined;
  const resume = resumeRequestIn(protocols);
  return resume === null ? undefined : (shardOfSession(resume.session) ?? undefined);
}
