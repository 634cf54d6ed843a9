import type { ResolvedHeartbeat, ResolvedSessions, ResolvedShards } from "../../src/shared/route-options.js";
import type { AnyParams } from "../../src/shared/route-params.js";
import type { ServerWebSocket } from "./server-websocket.js";

/** A connection's handler: Hypern's `async def handler(ws)`, plus the Worker's `env` and the room object's state. */
export type WebSocketHandler<Env = unknown, Params = AnyParams, Data = unknown> = (
  ws: ServerWebSocket<Params, Data>,
  env: Env,
  ctx: DurableObjectState,
) => void | Promise<void>;

/** A route as a room object sees it: the pattern it was registered under, its handler, its sessions and shards. */
export interface HostedRoute {
  readonly path: string;
  readonly handler: WebSocketHandler<never>;
  readonly sessions: ResolvedSessions | null;
  readonly shards: ResolvedShards | null;
  readonly heartbeat: ResolvedHeartbeat | null;
}

/** The app's routes, as a room object looks them up. */
export interface RouteTable {
  /** The route registered under exactly this pattern (how a rerun finds its handler). */
  getRoute(pattern: string): HostedRoute | undefined;
  /** The first route whose pattern matches the path, with its params still percent-encoded. */
  match(
    pathname: string,
  ): { readonly route: HostedRoute; readonly rawParams: Readonly<Record<string, string | undefined>> } | undefined;
  /** The params a route's pattern captures from a path (still percent-encoded); undefined if it does not match. */
  paramsOf(route: HostedRoute, pathname: string): Readonly<Record<string, string | undefined>> | undefined;
  /** The shards of the rooms of a group (a route's pattern, or the group routes share), or null when they have none. */
  shardsOf(group: string): ResolvedShards | null;
  /** Whether any route is in the group. */
  hasGroup(group: string): boolean;
  /** Whether a route of the group has sessions. */
  hasSessionsIn(group: string): boolean;
}
