/**
 * The room-object side as the Worker side sees it: the Durable Object class, what it answers over RPC,
 * and the public names of what handlers use. The Worker side (src/) imports the room-object side only
 * through this file.
 */
export { roomObjectClass } from "./room-object.js";
export type { RoomObjectClass, RoomObjectRpc } from "./room-object.js";
export type { RoomObjectConfig } from "./config.js";
export type { HistoryPart, RoomObjectFeatures, SessionsPart, ShardsPart } from "./features.js";
export { historyPart } from "./history-part.js";
export { sessionsPart } from "./sessions-part.js";
export { shardsPart } from "./shards-part.js";
export type { SequencerRpc } from "./shards/shard-protocol.js";
export type { WebSocketHandler } from "./connection/handler.js";
export { ServerWebSocket } from "./connection/server-websocket.js";
export type { AcceptOptions } from "./connection/server-websocket.js";
export { WebSocketState } from "./connection/state.js";
export { TimeoutError, WebSocketDisconnect, WebSocketError } from "./connection/errors.js";
export type { WebSocketMessage } from "./connection/frames.js";
export type { ReceiveOptions } from "./connection/frame-queue.js";
export { WebSocketRoom } from "./rooms/websocket-room.js";
export type { BroadcastOptions } from "./rooms/websocket-room.js";
export type { RoomOptions } from "./rooms/room-registry.js";
export type { HistoryOptions } from "./rooms/history-options.js";
export type { HistoryEntry, HistoryQuery } from "./rooms/history-read.js";
export type { RoomMember, RoomMemberInfo } from "./rooms/room-member.js";
export type { PresenceOptions } from "./rooms/presence.js";
export type { PresenceView } from "./rooms/local-presence.js";
