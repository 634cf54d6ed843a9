import type { RoomObjectClass, RoomObjectRpc, WebSocketHandler } from "../durable-objects/index.js";
import { roomObjectClass } from "../durable-objects/index.js";
import type { Authorize, OriginPolicy } from "./admission.js";
import { isAllowedOrigin } from "./admission.js";
import { textResponse } from "./http.js";
import { placeConnection } from "./placement.js";
import { RoomObjectClient } from "./room-object-client.js";
import type { RouteOptions } from "./router.js";
import { WebSocketRouter } from "./router.js";
import { FeatureCheckedRouter, checkRouteFeatures, featureSet } from "./feature-set.js";
import type { FeatureSet } from "./feature-set.js";
import type { HypernFeature } from "./features.js";
import { withAdmission } from "./shared/admission-header.js";
import { missingFeature } from "./shared/missing-feature.js";
import type { HypernLimits, ResolvedLimits } from "./shared/limits.js";
import { resolveLimits } from "./shared/limits.js";
import { decodeParams } from "./shared/path-params.js";
import type { RoomAddress, RoomPart } from "./shared/room-address.js";
import { objectName } from "./shared/room-address.js";
import type { RouteParams } from "./shared/route-params.js";
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
  /**
   * Log every connect, rerun and close with its connection id and room object; failures are always logged. Default
   * false.
   */
  verbose?: boolean;
  /**
   * What `Hypern` from `hypern-workers/core` adds to its bundle: `history`, `sessions`, `shards` from
   * `hypern-workers/features`. `Hypern` from `hypern-workers` has them all.
   */
  features?: readonly HypernFeature[];
  /** Answers requests that match no WebSocket route (HTTP routes, pages). Default: 404. */
  fallback?: (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;
}

/** Which room object `app.roomObject()` reaches: a route's (by its pattern or its group), or a server-only one. */
export interface RoomObjectSelector {
  /** The pattern of a registered route: the room object that route places connections in under this name. */
  route?: string;
  /** A group given to routes with `{ group }`. */
  group?: string;
  /**
   * A room object no route places connections in: only Worker code reaches it (for your own RPC methods and storage;
   * no client is in it).
   */
  serverOnly?: boolean;
}

/** @deprecated Renamed `RoomObjectSelector`. Removed in 0.3. */
export type RoomSelector = RoomObjectSelector;

const DEFAULT_BINDING = "ROOMS";

/**
 * A Hypern-style WebSocket app on Workers. Register handlers with `ws()`, export the app as the
 * Worker (`export default app`) and its room object class (`export class Rooms extends app.RoomObject {}`).
 */
export class Hypern<Env = unknown> {
  readonly #router: WebSocketRouter<Env>;
  readonly #options: HypernOptions<Env>;
  readonly #binding: string;
  readonly #limits: ResolvedLimits;
  readonly #features: FeatureSet;
  #roomObject: RoomObjectClass<Env> | undefined;
  #warnedNameAlone = false;

  constructor(options: HypernOptions<Env> = {}) {
    this.#options = options;
    this.#binding = options.binding ?? DEFAULT_BINDING;
    this.#limits = resolveLimits(options.limits);
    this.#features = featureSet(options.features === undefined ? [] : options.features);
    this.#router = new FeatureCheckedRouter<Env>(this.#features);
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
    const routes = router.getRoutes();
    // All are checked before any is added: a router with a route this app cannot serve adds none.
    for (const route of routes) checkRouteFeatures(this.#features, { ...route, path: prefix + route.path });
    for (const route of routes) this.#router.addRoute(prefix + route.path, route.handler, route.options);
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
        return textResponse(426, `${url.pathname} is a WebSocket endpoint: connect with a WebSocket client`, {
          Upgrade: "websocket",
        });
      }
      if (request.method !== "GET")
        return textResponse(405, "A WebSocket upgrade must be a GET request", { Allow: "GET" });
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
      if (match.route.shards !== null)
        return await this.#shards(match.route.path).place(
          forwarded,
          placement.address,
          (address) => this.#stub(env, address),
          match.route.sessions !== null,
        );
      return await this.#stub(env, placement.address).fetch(forwarded);
    } catch (error) {
      const failure = explainRoomObjectFailure(this.#binding, error);
      if (!(failure instanceof WiringError)) throw failure;
      console.error(`[hypern] ${failure.message}`);
      return textResponse(500, failure.message);
    }
  };

  /**
   * A room object seen from Worker code (an HTTP route, a cron): broadcast to its connections or into
   * one of its `WebSocketRoom`s, close them, list them, over RPC.
   *
   * - `app.roomObject(env, "lobby", { route: "/chat/:room" })`: the room object that route places
   *   connections in under "lobby" (`{ group }` for routes that share a group);
   * - `app.roomObject(env, { route: "/notifications" })`: the one room object of a route without placement;
   * - `app.roomObject(env, "feed", { serverOnly: true })`: a room object no client is placed in.
   *
   * A name alone is refused: it would reach a server-only room object, which no client is in.
   */
  roomObject(env: Env, name: string, selector: RoomObjectSelector): RoomObjectClient;
  roomObject(env: Env, selector: RoomObjectSelector): RoomObjectClient;
  roomObject(env: Env, nameOrSelector: string | RoomObjectSelector, selector?: RoomObjectSelector): RoomObjectClient {
    const named = typeof nameOrSelector === "string";
    const chosen = (named ? selector : nameOrSelector) ?? {};
    const group = this.#groupOf(chosen);
    if (named && group === null && chosen.serverOnly !== true)
      throw new TypeError(this.#nameAloneMessage(nameOrSelector));
    if (named && group === null && nameOrSelector === "")
      throw new TypeError("app.roomObject() needs a non-empty name for a server-only room object");
    if (!named && (group === null || this.#placesByName(group))) {
      throw new TypeError(
        group === null
          ? "app.roomObject() needs a room object name, or a { route } or { group } to reach"
          : "This route places connections by name: give app.roomObject() the room object's name first",
      );
    }
    const address = { group, room: named ? nameOrSelector : "" };
    // A sharded room is addressed through its sequencer, which knows its shards.
    const sharded = group !== null && this.#router.shardsOf(group) !== null;
    const stub = (part?: RoomPart): DurableObjectStub =>
      this.#stub(env, part === undefined ? address : { ...address, part });
    return new RoomObjectClient(
      stub(sharded ? { sequencer: true } : undefined) as unknown as RoomObjectRpc,
      this.#binding,
      sharded ? (shard) => stub({ shard }) : null,
    );
  }

  /**
   * @deprecated Renamed `roomObject()`, where a name alone is refused instead of reaching a server-only
   * room object: `app.room(env, "lobby")` is `app.roomObject(env, "lobby", { serverOnly: true })`. Removed in 0.3.
   */
  room(env: Env, name: string, selector?: RoomObjectSelector): RoomObjectClient;
  room(env: Env, selector: RoomObjectSelector): RoomObjectClient;
  room(env: Env, nameOrSelector: string | RoomObjectSelector, selector: RoomObjectSelector = {}): RoomObjectClient {
    if (typeof nameOrSelector !== "string") return this.roomObject(env, nameOrSelector);
    if (selector.route !== undefined || selector.group !== undefined)
      return this.roomObject(env, nameOrSelector, selector);
    if (!this.#warnedNameAlone && this.#router.getRoutes().some((route) => route.place !== null)) {
      this.#warnedNameAlone = true;
      console.warn(
        `[hypern] ${this.#nameAloneMessage(nameOrSelector, "app.room")} (app.room() reaches the server-only one; ` +
          `it is deprecated)`,
      );
    }
    return this.roomObject(env, nameOrSelector, { serverOnly: true });
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
      features: this.#features,
      get hasSessions() {
        return router.getRoutes().some((route) => route.sessions !== null);
      },
      get hasHeartbeat() {
        return router.getRoutes().some((route) => route.heartbeat !== null);
      },
    }));
  }

  /** A route with shards is registered only in an app that has them. */
  #shards(path: string): NonNullable<FeatureSet["shards"]> {
    const { shards } = this.#features;
    if (shards === undefined) throw missingFeature("shards", `The route ${JSON.stringify(path)} (with { shards })`);
    return shards;
  }

  #placesByName(group: string): boolean {
    return this.#router.getRoutes().some((route) => route.group === group && route.place !== null);
  }

  /** What a name alone would mean (a server-only room object) and what the caller more likely meant. */
  #nameAloneMessage(name: string, method = "app.roomObject"): string {
    const byName = this.#router
      .getRoutes()
      .filter((route) => route.place !== null)
      .map((route) => route.path);
    const listed =
      byName.length > 5 ? `${byName.slice(0, 5).join(", ")} and ${byName.length - 5} more` : byName.join(", ");
    const routes =
      byName.length === 0
        ? ""
        : `: the routes that place connections by name are ${listed}, so you may mean { route: ` +
          `${JSON.stringify(byName[0])} }`;
    return (
      `${method}(env, ${JSON.stringify(name)}) names no route's room object${routes}; ` +
      "for a room object no client is placed in, pass { serverOnly: true }"
    );
  }

  #groupOf(selector: RoomObjectSelector): string | null {
    if (selector === null || typeof selector !== "object")
      throw new TypeError("app.roomObject() takes a room object name and/or { route }, { group } or { serverOnly }");
    const { route, group, serverOnly } = selector;
    if (route !== undefined && group !== undefined)
      throw new TypeError("app.roomObject() takes a route or a group, not both");
    if (serverOnly === true && (route !== undefined || group !== undefined))
      throw new TypeError("app.roomObject(): a serverOnly room object belongs to no route or group");
    if (group !== undefined) {
      if (!this.#router.getRoutes().some((candidate) => candidate.group === group)) {
        throw new TypeError(`app.roomObject(): no route has the group ${JSON.stringify(group)}`);
      }
      return group;
    }
    if (route === undefined) return null;
    const registered = this.#router.getRoute(route);
    if (registered === undefined) {
      throw new TypeError(
        `app.roomObject(): no route is registered as ${JSON.stringify(route)} (give its pattern as registered, ` +
          `prefix included)`,
      );
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
      throw new RangeError(
        `authorize() returned ${size} bytes of data (as JSON), over limits.maxDataBytes (${this.#limits.maxDataBytes})`,
      );
    }
  }

  #stub(env: Env, address: RoomAddress): DurableObjectStub {
    const namespace = roomNamespace(env, this.#binding);
    return namespace.get(namespace.idFromName(objectName(address)));
  }
}
