export { Hypern } from "./app.js";
// The library without history, sessions or sharded rooms: add those an app uses with `features`.
export type { HypernOptions, RoomObjectSelector, RoomSelector } from "./app.js";
export type { HypernFeature } from "./features.js";
export type { HypernLimits } from "./shared/limits.js";
export type { Authorize, AuthorizeRequest, OriginPolicy } from "./admission.js";
export { WebSocketRoute, WebSocketRouter } from "./router.js";
export type { PlacementRequest, RouteOptions } from "./router.js";
export type { RouteParams } from "./shared/route-params.js";
export type { HeartbeatOptions, SessionOptions, ShardOptions } from "./shared/route-options.js";
export { RoomClient, RoomObjectClient } from "./room-object-client.js";
export type { RoomClientBroadcastOptions, RoomObjectBroadcastOptions } from "./room-object-client.js";
export type { ExcludeIds } from "./shared/exclude.js";
export type { ReadonlyData } from "./shared/readonly-data.js";
// `WebSocket` is Hypern's name for it; `ServerWebSocket` does not shadow the platform's global in your module.
export {
  ServerWebSocket,
  ServerWebSocket as WebSocket,
  WebSocketRoom,
  WebSocketState,
} from "../durable-objects/index.js";
export { TimeoutError, WebSocketDisconnect, WebSocketError } from "../durable-objects/index.js";
export type {
  AcceptOptions,
  BroadcastOptions,
  HistoryEntry,
  HistoryOptions,
  HistoryQuery,
  PresenceOptions,
  PresenceView,
  ReceiveOptions,
  RoomMember,
  RoomMemberInfo,
  RoomObjectClass,
  RoomOptions,
  WebSocketHandler,
  WebSocketMessage,
} from "../durable-objects/index.js";
