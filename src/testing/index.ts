/**
 * Helpers for testing an app's handlers with `@cloudflare/vitest-plugin`, inside workerd:
 * `import { connect, sessionClient, assertOnceInOrder } from "hypern-workers/testing"`.
 *
 * - `connect`, `upgrade`, `TestSocket`: a plain WebSocket client of a route, with an inbox.
 * - `sessionClient`, `SessionTestClient`: a `SessionClient` of a route with `sessions`, recording what
 *   it received; `drop()` cuts its connection as a network failure would.
 * - `WorkerWebSocket`, `workerWebSocketClass`: the WebSocket class behind it, for a `SessionClient`
 *   made by hand.
 * - `hibernate`, `deploy`, `resetRoomObjects`: what befalls room objects and their clients: an
 *   eviction (the sockets stay), a deploy (every connection closed with 1012), a reset (memory and
 *   sockets gone). `runAlarm`: the room object's alarm, now.
 * - `assertOnceInOrder`, `onceInOrderProblems`: every message sent received once, in order.
 */
export { connect, upgrade } from "./connect.js";
export type { ConnectOptions, Fetcher } from "./connect.js";
export { TestSocket } from "./test-socket.js";
export type { ClosedEvent, ReceivedFrame } from "./test-socket.js";
export type { WaitOptions } from "./wait.js";
export { sessionClient } from "./session-test-client.js";
export type { SessionTestClient, SessionTestClientOptions } from "./session-test-client.js";
export { WorkerWebSocket, workerWebSocketClass } from "./worker-web-socket.js";
export type { WorkerWebSocketOptions } from "./worker-web-socket.js";
export { hibernate } from "./hibernate.js";
export { runAlarm } from "./run-alarm.js";
export { deploy } from "./deploy.js";
export { resetRoomObjects } from "./reset.js";
export { assertOnceInOrder, onceInOrderProblems } from "./once-in-order.js";
export type { OnceInOrderOptions } from "./once-in-order.js";
