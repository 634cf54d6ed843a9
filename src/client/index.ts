/**
 * The session client, for browsers and Node: `import { SessionClient } from "hypern-workers/client"`.
 * It speaks the session protocol to routes with `sessions`, and depends on nothing else.
 */
export { SessionClient } from "./session-client.js";
export type { ConnectionState, ReceivedMessage, Reset, SessionClientEvents, Welcome } from "./events.js";
export type { SessionClientOptions } from "./options.js";
export type { CloseInfo } from "./close-info.js";
export type { WebSocketConstructor, WebSocketLike } from "./websocket.js";
export type { FetchLike } from "./plain-get.js";
export type { Backoff } from "./backoff.js";
export { reconnectDelay } from "./backoff.js";
export type { PresenceChange } from "./presence.js";
export type { LostReason, PresenceCounts, PresenceEntry } from "../shared/session-protocol.js";
export { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE, SESSION_PROTOCOL } from "../shared/session-protocol.js";
